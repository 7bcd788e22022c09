using Microsoft.Extensions.Logging;

namespace Techmail.Webhooks;

/// <summary>
/// When a silo becomes active, wakes the delivery drain of every tenant with deliveries waiting, so a restart after a
/// kill resumes them within seconds rather than at the next reminder tick. Waking a drain active elsewhere is harmless.
/// </summary>
public sealed class WebhookResumer(WebhookStore store, IGrainFactory grains, ILogger<WebhookResumer> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _resume = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        nameof(WebhookResumer),
        ServiceLifecycleStage.Active,
        _ =>
        {
            _resume = Task.Run(() => Resume(_stopping.Token));
            return Task.CompletedTask;
        },
        async _ =>
        {
            await _stopping.CancelAsync();
            await _resume.ContinueWith(_ => { }, TaskScheduler.Default);
        });

    private async Task Resume(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var tenant in await store.TenantsWaiting(cancellationToken))
            {
                await grains.GetGrain<IWebhookDeliveryGrain>(tenant).Wake();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Each drain's reminder still brings it back.
            logger.LogWarning("Could not wake webhook deliveries at start: {Error}", e.Message);
        }
    }
}

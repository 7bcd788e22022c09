using Microsoft.Extensions.Logging;
using Techmail.Engine;

namespace Techmail.Webhooks;

/// <summary>
/// Drives one tenant's webhook deliveries; the rows are the record (<see cref="WebhookStore"/>), the activation only
/// decides when to drain: on <see cref="Wake"/>, and by a timer at the next retry while deliveries wait. A reminder,
/// kept only while something waits, brings the drain back when its silo dies; a starting silo wakes the drains of
/// tenants with deliveries waiting (<see cref="WebhookResumer"/>). Claims keep two activations (a failover) from
/// sending one row at once.
/// </summary>
public sealed class WebhookDeliveryGrain(WebhookDrainer drainer, WebhookStore store, WebhookPolicy policy, TimeProvider time, ILogger<WebhookDeliveryGrain> logger)
    : Grain, IWebhookDeliveryGrain, IRemindable
{
    internal const string ResumeReminder = "resume";
    private static readonly TimeSpan ResumePeriod = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _drain;
    private bool _wokenDuringDrain;
    private WakeSchedule? _wakes;

    private string Tenant => this.GetPrimaryKeyString();
    private WakeSchedule Wakes => _wakes ??= new WakeSchedule(this, ResumeReminder, ResumePeriod, StartDrain);

    public Task Wake()
    {
        StartDrain();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Wakes.ReminderFired();
        StartDrain();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // An attempt cut short is not marked, and is sent again when its lease ends.
        await using var _ = cancellationToken.Register(_stopping.Cancel);
        if (_drain is { } drain)
        {
            await drain.ContinueWith(_ => { }, TaskScheduler.Current);
        }
    }

    private void StartDrain()
    {
        if (_drain is { IsCompleted: false })
        {
            _wokenDuringDrain = true;
            return;
        }

        _drain = DrainAndSchedule();
    }

    private async Task DrainAndSchedule()
    {
        try
        {
            do
            {
                _wokenDuringDrain = false;
                var outcome = await drainer.Drain(Tenant, _stopping.Token);
                if (outcome.Delivered + outcome.Retried + outcome.Failed > 0)
                {
                    logger.LogInformation("Webhooks of {Tenant}: {Delivered} delivered, {Retried} to retry, {Failed} given up", Tenant, outcome.Delivered, outcome.Retried, outcome.Failed);
                }
            }
            while (_wokenDuringDrain && !_stopping.IsCancellationRequested);

            await Schedule();
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            // The database did not answer: nothing was lost, the rows wait; try again shortly.
            logger.LogError(e, "Webhook deliveries of {Tenant} could not drain", Tenant);
            Wakes.Arm(policy.FirstRetry);
        }
    }

    private async Task Schedule()
    {
        if (await store.NextDue(Tenant) is not { } next)
        {
            await Wakes.Idle();
            return;
        }

        await Wakes.Waiting(next - time.GetUtcNow());
    }
}

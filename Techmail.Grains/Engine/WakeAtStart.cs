using Microsoft.Extensions.Logging;

namespace Techmail.Engine;

/// <summary>
/// Wakes, when a silo becomes active, the grains that have work waiting (push mailboxes, webhook deliveries), so a
/// restart after a kill resumes them within seconds rather than at their next reminder tick. It runs in the
/// background, since a silo with thousands of them must not hold up its own start, and waking a grain already active
/// elsewhere in the cluster is harmless, so every silo does it. A failure only delays: each grain's reminder still
/// brings it back.
/// </summary>
public abstract class WakeAtStart(ILogger logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _resume = Task.CompletedTask;

    /// <summary>What is woken, as the log names it ("push mailboxes").</summary>
    protected abstract string What { get; }

    protected abstract Task Wake(CancellationToken cancellationToken);

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        GetType().Name,
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
            await Wake(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not wake {What} at start: {Error}", What, e.Message);
        }
    }
}

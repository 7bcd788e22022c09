using Microsoft.Extensions.Logging;
using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>
/// When a silo becomes active, wakes every push mailbox so its IMAP IDLE connection is back within seconds
/// of a (re)start, instead of at the mailbox's first reminder tick. Waking a mailbox that is already active
/// elsewhere in the cluster is a harmless call, so every silo does it.
/// </summary>
public sealed class PushResumer(PushMailboxStore store, IGrainFactory grains, ILogger<PushResumer> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _resume = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        nameof(PushResumer),
        ServiceLifecycleStage.Active,
        _ =>
        {
            // In the background: a silo with thousands of push mailboxes must not hold up its own start.
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
            var mailboxes = await store.All(cancellationToken);
            var woken = 0;
            await Parallel.ForEachAsync(
                mailboxes,
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (row, _) =>
                {
                    try
                    {
                        // Activation starts the watcher; the view itself is not needed.
                        if (await grains.GetGrain<IMailboxGrain>(MailboxKey.For(row.Tenant, row.Mailbox)).Get() is not null)
                        {
                            Interlocked.Increment(ref woken);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // One mailbox that cannot wake must not keep the others asleep.
                        logger.LogWarning("Could not wake push mailbox {Tenant}/{Mailbox}: {Error}", row.Tenant, row.Mailbox, e.Message);
                    }
                });
            if (mailboxes.Count > 0)
            {
                logger.LogInformation("Push resumed for {Count} mailbox(es)", woken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Each mailbox's reminder still wakes it at its next tick.
            logger.LogWarning("Could not wake push mailboxes at start: {Error}", e.Message);
        }
    }
}

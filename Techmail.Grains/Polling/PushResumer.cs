using Microsoft.Extensions.Logging;
using Techmail.Engine;
using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>Wakes every push mailbox when a silo becomes active, so its IMAP IDLE connection is back within seconds.</summary>
public sealed class PushResumer(PushMailboxStore store, IGrainFactory grains, ILogger<PushResumer> logger) : WakeAtStart(logger)
{
    protected override string What => "push mailboxes";

    protected override async Task Wake(CancellationToken cancellationToken)
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
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Techmail.Retention;

/// <summary>
/// Once an hour (<see cref="RetentionPolicy.Interval"/>), lets go of what is kept only for looking back: the bodies of
/// sent outbox mail and of dropped quarantined mail, ended webhook deliveries, and everything a removed mailbox left.
/// One job for the silo rather than one per grain: a removed mailbox has no grain left to do it, and a sent body no
/// reason to wake one. Every silo of a cluster runs it; the deletes are the same whoever runs them.
/// </summary>
public sealed class RetentionSweeper(RetentionStore store, RetentionPolicy policy, TimeProvider time, ILogger<RetentionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(policy.Interval, time);
        try
        {
            // Not in the rush of a start: the backlog sweep and the first polls come first.
            await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken);
            do
            {
                try
                {
                    var report = await SweepOnce(stoppingToken);
                    if (report.Any)
                    {
                        logger.LogInformation(
                            "Retention: {Sent} sent bodies and {Dropped} dropped quarantine bodies emptied; {Mailboxes} removed mailboxes forgotten ({Rows} rows); {Webhooks} ended webhook deliveries deleted",
                            report.SentBodies, report.DroppedBodies, report.MailboxesForgotten, report.MailboxRows, report.WebhookDeliveries);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next sweep tries again; what it did not reach is only kept a little longer.
                    logger.LogWarning("Retention sweep failed: {Error}", e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sweep, at the clock's now.</summary>
    public async Task<RetentionReport> SweepOnce(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sent = await store.DropSentBodies(now - policy.SentBodies, cancellationToken);
        var dropped = await store.DropDroppedBodies(now - policy.DroppedQuarantine, cancellationToken);
        var webhooks = await store.DeleteFinishedWebhookDeliveries(now - policy.FinishedWebhookDeliveries, cancellationToken);
        var forgotten = 0;
        long rows = 0;
        foreach (var mailbox in await store.RemovedBefore(now - policy.RemovedMailboxes, cancellationToken))
        {
            rows += await store.Forget(mailbox, cancellationToken);
            forgotten++;
        }

        return new RetentionReport(sent, dropped, forgotten, rows, webhooks);
    }
}

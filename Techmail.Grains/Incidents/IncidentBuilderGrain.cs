using Microsoft.Extensions.Logging;
using Techmail.Faults;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Quarantine;
using Techmail.Resources;

namespace Techmail.Incidents;

/// <summary>
/// One per Service mailbox: drains its recorded mail into incidents, oldest first, so a reply recorded after the mail
/// it answers also becomes an entry after it. Being the single activation for the mailbox is what keeps two silos from
/// building from the same rows; the rows' message keys make a rerun after a crash harmless.
/// </summary>
public sealed class IncidentBuilderGrain(
    ServiceMailProcessor processor,
    IncidentBatch batch,
    InboundStore inbound,
    RecordedMailMemory recorded,
    IncidentPolicy policy,
    MemoryBudget budget,
    TimeProvider time,
    ILogger<IncidentBuilderGrain> logger) : Grain, IIncidentBuilderGrain
{
    private const string Kind = "incident";
    // A batch is one transaction, and SQLite writes every index page a batch touches once per commit: 256 mails to a
    // commit held the writer 35% less than 64 did. The bytes bound keeps a batch of large mail from filling memory.
    private const int BatchSize = 256;
    private const long BatchBytes = 32L << 20;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    private SenderFloodGate? _flood;
    private Task<int>? _draining;
    private bool _again;
    private IGrainTimer? _retry;

    private (string Tenant, string Mailbox) Key => MailboxKey.Parse(this.GetPrimaryKeyString());

    public Task Wake()
    {
        _ = Drain();
        return Task.CompletedTask;
    }

    public Task<int> Drain()
    {
        if (_draining is { IsCompleted: false })
        {
            // Mail recorded after the running drain read its batch: look again once it ends.
            _again = true;
            return _draining;
        }

        _draining = DrainAll();
        return _draining;
    }

    private async Task<int> DrainAll()
    {
        var built = 0;
        try
        {
            do
            {
                _again = false;
                built += await DrainOnce();
            }
            while (_again);
        }
        catch (Exception e)
        {
            // Storage or the cluster failing, not the mail (a mail's own failure sets only that mail aside): everything
            // stays recorded, the waiting mail says why for the status, and the drain tries again a little later.
            logger.LogWarning(e, "Building incidents for {Tenant}/{Mailbox} failed; retrying in {Delay}", Key.Tenant, Key.Mailbox, RetryDelay);
            _retry?.Dispose();
            _retry = this.RegisterGrainTimer(() => Drain(), RetryDelay, Timeout.InfiniteTimeSpan);
            try
            {
                await inbound.MarkFailing(Key.Tenant, Key.Mailbox, Kind, MailStage.IncidentBuilder, Faults.Faults.Summary(e));
            }
            catch (Exception unrecorded)
            {
                // Most likely the same outage; the retry is scheduled either way, and the log has the first failure.
                logger.LogDebug(unrecorded, "Could not record the failure on the waiting mail of {Tenant}/{Mailbox}", Key.Tenant, Key.Mailbox);
            }
        }

        return built;
    }

    private async Task<int> DrainOnce()
    {
        var (tenant, name) = Key;
        var built = 0;
        // The next batch is read and parsed while this one is written: the two use different cores and the writing
        // waits on the disk. Planning, which must see what the batch before wrote, still follows it.
        var fromOldest = true;
        var next = Fetch(tenant, name, after: null);
        try
        {
            while (true)
            {
                var (rows, reads, lease) = await next;
                // Given back at the end of this batch, before the next is awaited: that one may be waiting for this budget.
                using var held = lease;
                if (rows.Count == 0)
                {
                    if (fromOldest)
                    {
                        return built;
                    }

                    // Mail behind the position (released by an admin meanwhile) is found by one more look from the oldest.
                    fromOldest = true;
                    next = Fetch(tenant, name, after: null);
                    continue;
                }

                fromOldest = false;
                var planned = new List<Planned>(rows.Count);
                Task Flush()
                {
                    var written = Write(tenant, name, [.. planned]);
                    planned.Clear();
                    return written;
                }

                var mailbox = await GrainFactory.GetGrain<IMailboxGrain>(this.GetPrimaryKeyString()).Get();
                if (mailbox is null)
                {
                    // Removed after this mail was recorded (it may already be off the server): quarantined with the
                    // reason, where an admin sees it, rather than left waiting where nobody does.
                    logger.LogWarning("Mailbox {Tenant}/{Mailbox} is gone; {Count} recorded messages are quarantined", tenant, name, rows.Count);
                    foreach (var read in reads)
                    {
                        planned.Add(new Planned(await processor.Orphaned(tenant, name, read), read.Row, ServiceMailProcessor.FromAddress(read.Mime), read.Mime?.Subject));
                        read.Mime?.Dispose();
                    }

                    next = Fetch(tenant, name, after: rows[^1].Position);
                    await Flush();
                    continue;
                }

                _flood ??= new SenderFloodGate(policy.Flood, time);
                var context = await processor.Context(mailbox, _flood, reads);
                try
                {
                    foreach (var read in reads)
                    {
                        // What a mail makes throw sets that mail aside, now; an outage ends the drain with it still waiting.
                        var plan = await MessageIsolation.One(
                            () => Plan(context, read, Flush),
                            failure => processor.SetAside(tenant, name, read.Row, ServiceMailProcessor.FromAddress(read.Mime), read.Mime?.Subject, failure));
                        planned.Add(new Planned(plan, read.Row, ServiceMailProcessor.FromAddress(read.Mime), read.Mime?.Subject));
                        if (plan is MailPlan.SetAside aside)
                        {
                            using (logger.BeginMessageScope(tenant, name, read.Row.MessageKey))
                            {
                                logger.LogInformation("Mail {Key} of {Tenant}/{Mailbox} set aside: {Reason}", read.Row.MessageKey, tenant, name, aside.Reason);
                            }
                        }
                    }
                }
                finally
                {
                    // Plans hold what they need copied out. MimeKit's messages and parts have finalizers: a parse left to
                    // the finalizer survives another collection with its whole tree.
                    foreach (var read in reads)
                    {
                        read.Mime?.Dispose();
                    }
                }

                next = Fetch(tenant, name, after: rows[^1].Position);
                await Flush();
                built += rows.Count;
            }
        }
        catch
        {
            // The batch read ahead is dropped; its rows are still waiting and are read again by the retry.
            _ = next.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        t.Result.Lease.Dispose();
                    }

                    return t.Exception;
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>
    /// The next batch of waiting mail, parsed off the grain's thread and on every core (each mail's parse is its own),
    /// once the silo's memory budget has room for its bytes.
    /// </summary>
    private Task<(IReadOnlyList<PendingInbound> Rows, List<ReadMail> Reads, MemoryLease Lease)> Fetch(string tenant, string name, PendingPosition? after) =>
        Task.Run(async () =>
        {
            var waiting = await inbound.Waiting(tenant, name, Kind, BatchSize, after, budget.BatchBytes(BatchBytes));
            var lease = await budget.Acquire(waiting.Sum(w => w.Size));
            try
            {
                var rows = await inbound.Read(tenant, name, waiting, recorded);
                return (rows, rows.AsParallel().AsOrdered().Select(Read).ToList(), lease);
            }
            catch
            {
                lease.Dispose();
                throw;
            }
        });

    /// <summary>One mail read; one whose bytes make the reader throw is read as unreadable, and quarantined with the reason.</summary>
    private static ReadMail Read(PendingInbound row) => MessageIsolation.One(
        () => ServiceMailProcessor.Read(row),
        failure => new ReadMail(row, null, null, $"cannot be read: {Faults.Faults.Summary(failure)}"));

    /// <summary>The plan for one mail; an entry for an existing incident is written through its grain at once.</summary>
    private async Task<MailPlan> Plan(BatchContext context, ReadMail read, Func<Task> flush)
    {
        var plan = await processor.Plan(context, read, flush);
        if (plan is MailPlan.Add add)
        {
            await GrainFactory.GetGrain<IIncidentGrain>(IncidentKey.For(context.Mailbox.Tenant, add.Reference)).AddCustomerMail(add.Update);
        }

        return plan;
    }

    /// <summary>
    /// Writes planned mail in one transaction; when a mail's own values make it fail, one mail at a time, and each mail
    /// that fails alone is set aside instead of holding back the rest of the batch.
    /// </summary>
    private async Task Write(string tenant, string name, IReadOnlyList<Planned> planned)
    {
        var failed = await MessageIsolation.Each(planned, some => batch.Write(tenant, name, [.. some.Select(p => p.Plan)]));
        foreach (var (mail, failure) in failed)
        {
            using (logger.BeginMessageScope(tenant, name, mail.Row.MessageKey))
            {
                logger.LogWarning(failure, "Mail {Key} of {Tenant}/{Mailbox} could not be written; setting it aside", mail.Row.MessageKey, tenant, name);
            }

            var aside = await processor.SetAside(tenant, name, mail.Row, mail.From, mail.Subject, failure);
            await batch.Write(tenant, name, [aside]);
        }
    }

    /// <summary>A mail's plan with what setting it aside later needs: its row, and its sender and subject for the listing.</summary>
    private sealed record Planned(MailPlan Plan, PendingInbound Row, string? From, string? Subject);
}

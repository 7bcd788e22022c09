using Microsoft.Extensions.Logging;
using Techmail.Intake;
using Techmail.Mailboxes;

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
    TimeProvider time,
    ILogger<IncidentBuilderGrain> logger) : Grain, IIncidentBuilderGrain
{
    private const string Kind = "incident";
    // A batch is one transaction, and SQLite writes every index page a batch touches once per commit: 256 mails to a
    // commit held the writer 35% less than 64 did. The bytes bound keeps a batch of large mail from filling memory.
    private const int BatchSize = 256;
    private const long BatchBytes = 32L << 20;
    // A mail that keeps failing is quarantined after this many tries, so one poisonous message cannot stop the mailbox.
    private const int MaxAttempts = 3;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
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
            // Storage or the cluster failing, not the mail: everything stays recorded; try again a little later.
            logger.LogWarning(e, "Building incidents for {Tenant}/{Mailbox} failed; retrying in {Delay}", Key.Tenant, Key.Mailbox, RetryDelay);
            _retry?.Dispose();
            _retry = this.RegisterGrainTimer(() => Drain(), RetryDelay, Timeout.InfiniteTimeSpan);
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
                var (rows, reads) = await next;
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
                var planned = new List<MailPlan>(rows.Count);
                Task Flush()
                {
                    var written = batch.Write(tenant, name, [.. planned]);
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
                        planned.Add(await processor.Orphaned(tenant, name, read));
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
                        var plan = await Plan(context, read, Flush);
                        if (plan is MailPlan.Add add)
                        {
                            await GrainFactory.GetGrain<IIncidentGrain>(IncidentKey.For(tenant, add.Reference)).AddCustomerMail(add.Update);
                        }

                        planned.Add(plan);
                        if (plan is MailPlan.SetAside aside)
                        {
                            logger.LogInformation("Mail {Key} of {Tenant}/{Mailbox} set aside: {Reason}", read.Row.MessageKey, tenant, name, aside.Reason);
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
            _ = next.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>The next batch of waiting mail, parsed off the grain's thread and on every core (each mail's parse is its own).</summary>
    private Task<(IReadOnlyList<PendingInbound> Rows, List<ReadMail> Reads)> Fetch(string tenant, string name, PendingPosition? after) =>
        Task.Run(async () =>
        {
            var rows = await inbound.Pending(tenant, name, Kind, BatchSize, recorded, after, BatchBytes);
            return (rows, rows.AsParallel().AsOrdered().Select(ServiceMailProcessor.Read).ToList());
        });

    private async Task<MailPlan> Plan(BatchContext context, ReadMail read, Func<Task> flush)
    {
        var row = read.Row;
        try
        {
            var plan = await processor.Plan(context, read, flush);
            _failures.Remove(row.MessageKey);
            return plan;
        }
        catch (Exception e) when (Failures(row.MessageKey) >= MaxAttempts)
        {
            logger.LogError(e, "Mail {Key} of {Tenant}/{Mailbox} failed {Attempts} times; quarantining it", row.MessageKey, context.Mailbox.Tenant, context.Mailbox.Name, MaxAttempts);
            _failures.Remove(row.MessageKey);
            return await processor.QuarantineAfterFailures(context.Mailbox, row, $"could not be turned into an incident after {MaxAttempts} attempts: {e.Message}");
        }
    }

    private int Failures(string messageKey)
    {
        var count = _failures.GetValueOrDefault(messageKey) + 1;
        _failures[messageKey] = count;
        return count;
    }
}


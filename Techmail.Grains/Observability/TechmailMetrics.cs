using System.Diagnostics;
using System.Diagnostics.Metrics;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Observability;

/// <summary>
/// Techmail's one meter and every instrument on it; the engine records through these methods only. Instruments carry
/// no tenant or mailbox label: a cluster serves thousands of mailboxes, and one series each would swamp Prometheus.
/// Labels are small fixed sets (verdict, reason, kind). Counting is a few interlocked adds per poll or batch, never
/// per byte, so the hot path stays as fast with a listener as without.
/// </summary>
public static class TechmailMetrics
{
    public const string MeterName = "Techmail";

    private static readonly Meter Meter = new(MeterName, typeof(TechmailMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Polls = Meter.CreateCounter<long>("techmail.polls", "{poll}", "Polls started, scheduled or asked for.");
    private static readonly Counter<long> PollsFailed = Meter.CreateCounter<long>("techmail.polls.failed", "{poll}", "Polls that failed, by reason (authentication is a refused login, certificate a TLS failure).");
    private static readonly Counter<long> PollsSkipped = Meter.CreateCounter<long>("techmail.polls.skipped", "{poll}", "Due polls that did not run: the previous poll still running (busy), or backing off after failures.");
    private static readonly Histogram<double> PollLateness = Meter.CreateHistogram(
        "techmail.poll.lateness", "s", "How late scheduled polls started against their due time.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
    private static readonly Histogram<double> PollDuration = Meter.CreateHistogram(
        "techmail.poll.duration", "s", "How long polls took, from their slot to their report.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
    private static readonly Counter<long> Messages = Meter.CreateCounter<long>("techmail.messages", "{message}", "Messages a poll took off the server (or left there), by verdict.");
    private static readonly Counter<long> IncidentsCreated = Meter.CreateCounter<long>("techmail.incidents.created", "{incident}", "Incidents the builders opened.");
    private static readonly Counter<long> AcknowledgementsQueued = Meter.CreateCounter<long>("techmail.acknowledgements.queued", "{mail}", "Acknowledgements queued in the outbox with their new incidents.");
    private static readonly Counter<long> OutboxSent = Meter.CreateCounter<long>("techmail.outbox.sent", "{mail}", "Mail the relay accepted, by kind (acknowledgement, reply, send, forward).");
    private static readonly Counter<long> OutboxFailed = Meter.CreateCounter<long>("techmail.outbox.failed", "{mail}", "Mail given up on for good, by kind.");
    private static readonly Counter<long> Bounces = Meter.CreateCounter<long>("techmail.bounces", "{bounce}", "Bounces recorded on addresses, by reason and severity (hard, soft, none for reports that are not failures).");
    private static readonly Counter<long> ImapPoolHits = Meter.CreateCounter<long>("techmail.imap_pool.hits", "{poll}", "IMAP polls that used a connection kept from an earlier poll, without logging in.");
    private static readonly Counter<long> ImapPoolMisses = Meter.CreateCounter<long>(
        "techmail.imap_pool.misses", "{poll}", "IMAP polls of mailboxes that keep their connection but logged in anew, by reason (none kept, settings changed, idle too long, dead, lost in use).");
    private static readonly Counter<long> ImapPoolRefused = Meter.CreateCounter<long>("techmail.imap_pool.refused", "{connection}", "Connections logged out after a poll because a cap (per account or overall) was reached.");
    private static readonly Counter<long> MailingRecipients = Meter.CreateCounter<long>(
        "techmail.mailing.recipients", "{recipient}", "Mailing recipients this silo composed and queued in the outbox, or found suppressed at send time, by outcome.");
    private static readonly Counter<long> AddressesInvalidated = Meter.CreateCounter<long>("techmail.addresses.invalidated", "{address}", "Addresses the bounce policy marked invalid.");

    private static readonly Counter<long> LimitWaits = Meter.CreateCounter<long>(
        "techmail.poll.limit_waits", "{session}", "Poll sessions that waited for a limit, by which: silo (MaxConcurrentPolls), host (the host's adaptive limit) or account (sessions per account).");
    private static readonly Counter<long> Pushbacks = Meter.CreateCounter<long>(
        "techmail.poll.pushbacks", "{session}", "Sessions a mail server pushed back on (refused, timed_out, reset, in_use, busy); each may shrink its host's limit.");

    public static void LimitWaited(LimitScope scope) => LimitWaits.Add(1, new KeyValuePair<string, object?>("scope", scope switch
    {
        LimitScope.Silo => "silo",
        LimitScope.Host => "host",
        _ => "account",
    }));

    public static void Pushback(ServerPushback why) => Pushbacks.Add(1, new KeyValuePair<string, object?>("reason", why switch
    {
        ServerPushback.Refused => "refused",
        ServerPushback.TimedOut => "timed_out",
        ServerPushback.Reset => "reset",
        ServerPushback.InUse => "in_use",
        _ => "busy",
    }));

    private static Func<SessionLimitsSnapshot>? _limits;

    /// <summary>Where the session gauges read the limits from: the silo's one gate.</summary>
    internal static void WatchLimits(Func<SessionLimitsSnapshot> limits) => Volatile.Write(ref _limits, limits);

    public static void PollStarted(bool scheduled, TimeSpan lateness)
    {
        Polls.Add(1, new KeyValuePair<string, object?>("trigger", scheduled ? "scheduled" : "manual"));
        if (scheduled)
        {
            PollLateness.Record(Math.Max(0, lateness.TotalSeconds));
        }
    }

    public static void ImapPoolHit() => ImapPoolHits.Add(1);

    /// <param name="reason">none, settings, idle, dead or lost.</param>
    public static void ImapPoolMiss(string reason) => ImapPoolMisses.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void ImapPoolFull() => ImapPoolRefused.Add(1);

    public static void PollSkipped(PollSkip reason) =>
        PollsSkipped.Add(1, new KeyValuePair<string, object?>("reason", reason == PollSkip.Busy ? "busy" : "backoff"));

    /// <summary>A poll's report: its verdict counts, and its failure when it failed.</summary>
    public static void PollFinished(PollReport report, MailboxType type, TimeSpan duration)
    {
        PollDuration.Record(duration.TotalSeconds);
        if (report.Failure is { } failure)
        {
            PollFailed(failure switch
            {
                MailFetchFailure.Authentication => "authentication",
                MailFetchFailure.Certificate => "certificate",
                MailFetchFailure.Protocol => "protocol",
                _ => "transient",
            });
        }

        var mailboxType = new KeyValuePair<string, object?>("mailbox.type", type == MailboxType.Marketing ? "marketing" : "service");
        Verdict(report.Accepted, "accepted", mailboxType);
        Verdict(report.Discarded, "discarded", mailboxType);
        Verdict(report.Rejected, "rejected", mailboxType);
        Verdict(report.Quarantined, "quarantined", mailboxType);
        Verdict(report.Duplicates, "duplicate", mailboxType);
        Verdict(report.LeftOnServer, "left_on_server", mailboxType);
    }

    /// <summary>A poll that threw instead of reporting (a bug or an outage outside the poller's own handling).</summary>
    public static void PollFailed(string reason) => PollsFailed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void IncidentBatchWritten(int incidents, int acknowledgements)
    {
        if (incidents > 0)
        {
            IncidentsCreated.Add(incidents);
        }

        if (acknowledgements > 0)
        {
            AcknowledgementsQueued.Add(acknowledgements);
        }
    }

    public static void OutboxFinished(string kind, bool sent, int count = 1)
    {
        if (count > 0)
        {
            (sent ? OutboxSent : OutboxFailed).Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public static void BounceRecorded(string reason, bool? hard) =>
        Bounces.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("severity", hard switch { true => "hard", false => "soft", null => "none" }));

    public static void AddressInvalidated() => AddressesInvalidated.Add(1);

    public static void MailingSliceQueued(int queued, int suppressed)
    {
        if (queued > 0)
        {
            MailingRecipients.Add(queued, new KeyValuePair<string, object?>("outcome", "queued"));
        }

        if (suppressed > 0)
        {
            MailingRecipients.Add(suppressed, new KeyValuePair<string, object?>("outcome", "suppressed"));
        }
    }

    private static BacklogSample? _backlog;

    /// <summary>
    /// The gauges show the last sample of the database taken by <see cref="BacklogSampler"/>: a scrape never waits for
    /// a query, and a dead database leaves the gauges out rather than showing a stale or made-up zero.
    /// </summary>
    internal static BacklogSample? Backlog
    {
        get => Volatile.Read(ref _backlog);
        set => Volatile.Write(ref _backlog, value);
    }

    static TechmailMetrics()
    {
        Meter.CreateObservableGauge("techmail.intake.backlog", () => Observe(s => s.IntakeWaiting), "{message}", "Recorded mail not yet built into incidents, cluster-wide.");
        Meter.CreateObservableGauge("techmail.intake.oldest_age", () => Observe(s => s.IntakeOldestAge), "s", "How long the oldest mail waiting for its incident has waited, cluster-wide (0 when none).");
        Meter.CreateObservableGauge("techmail.outbox.queue_depth", () => Observe(s => s.OutboxQueued), "{mail}", "Mail queued in the outbox, cluster-wide.");
        Meter.CreateObservableGauge("techmail.outbox.oldest_age", () => Observe(s => s.OutboxOldestAge), "s", "How long the oldest queued mail has waited, cluster-wide (0 when none).");
        Meter.CreateObservableGauge("techmail.mailbox.needs_reconnecting", () => Observe(s => s.NeedsReconnecting), "{mailbox}", "Mailboxes whose OAuth consent was revoked or expired, cluster-wide: they poll and send nothing until 'techmail mailbox connect'.");
        // No host label: a cluster may poll thousands of tenants' own servers. Which host is at its limit is in `techmail status`.
        Meter.CreateObservableGauge("techmail.poll.sessions", () => Limits(l => l.Silo.InUse), "{session}", "Poll sessions this silo runs now (healthy mailboxes).");
        Meter.CreateObservableGauge("techmail.poll.silo_limit", () => Limits(l => l.Silo.Limit), "{session}", "This silo's cap on poll sessions at once (MaxConcurrentPolls).");
        Meter.CreateObservableGauge("techmail.poll.waiting", () => Limits(l => l.Silo.Waiting + l.Hosts.Sum(h => h.Waiting)), "{poll}", "Polls waiting now for the silo's cap or a host's limit.");
        Meter.CreateObservableGauge("techmail.poll.hosts_at_limit", () => Limits(l => l.Hosts.Count(h => h.Waiting > 0)), "{host}", "Mail hosts whose adaptive limit holds polls back now.");
        Meter.CreateObservableGauge("techmail.poll.hosts_pushed_back", () => Limits(l => l.Hosts.Count(h => h.Limit.LastCut is { } cut && DateTimeOffset.UtcNow - cut < TimeSpan.FromMinutes(10))), "{host}", "Mail hosts whose limit a pushback cut within the last 10 minutes.");
    }

    private static IEnumerable<Measurement<int>> Limits(Func<SessionLimitsSnapshot, int> value) =>
        Volatile.Read(ref _limits) is { } read ? [new Measurement<int>(value(read()))] : [];

    private static IEnumerable<Measurement<double>> Observe(Func<BacklogSample, double> value) =>
        Backlog is { } sample && sample.Fresh ? [new Measurement<double>(value(sample))] : [];

    private static void Verdict(int count, string verdict, KeyValuePair<string, object?> mailboxType)
    {
        if (count > 0)
        {
            Messages.Add(count, new KeyValuePair<string, object?>("verdict", verdict), mailboxType);
        }
    }
}

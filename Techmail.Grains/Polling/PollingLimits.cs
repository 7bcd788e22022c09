namespace Techmail.Polling;

/// <summary>How hard polling may push: sessions at once, batch sizes, retries. Set from the silo's configuration.</summary>
public sealed record PollingLimits
{
    // Sized by the scale benchmark: 10,000 one-minute mailboxes on one host need ~167 polls/s, which 4 sessions
    // per host could not carry (p99 lateness 23 s); 16 per host and 32 per silo keep it under a second.
    public int MaxConcurrentPolls { get; init; } = 32;
    public int MaxSessionsPerHost { get; init; } = 16;

    /// <summary>Messages downloaded, screened and handed off together; one transaction and one hand-off call each.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Bytes per batch, so a run of large messages does not hold hundreds of megabytes at once.</summary>
    public long BatchBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Messages a POP3 session takes before it ends (QUIT) and the poll goes on in a new one. POP3 deletes only at
    /// QUIT: without a split, a line dropped late in a 20,000-message poll means downloading all of them again.
    /// </summary>
    public int MessagesPerSession { get; init; } = 1000;

    /// <summary>Bytes a POP3 session takes before the poll goes on in a new one, for the same reason.</summary>
    public long SessionBytes { get; init; } = 256L << 20;

    /// <summary>Messages larger than this are never downloaded; they stay on the server and the status says so.</summary>
    public long MaxDownloadBytes { get; init; } = 64L << 20;

    public int RetryAttempts { get; init; } = 2;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan CircuitBreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Each step of a session: connecting and logging in, listing, one batch's download, one batch's deletion, the
    /// session's end. A step that takes longer fails the poll as a transient failure; what earlier steps finished
    /// stays done (deleted batches stay deleted, recorded mail stays recorded). On top of MailKit's per-read timeout.
    /// </summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A poll takes no new batch after this long: it ends its session cleanly and the next poll goes on where it
    /// stopped, so a large backlog drains across polls instead of one poll holding a slot for hours. Not a failure.
    /// </summary>
    public TimeSpan PollBudget { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long message keys are remembered; a message gone from the server this long will not come back.</summary>
    public TimeSpan TraceRetention { get; init; } = TimeSpan.FromDays(30);
}

namespace Techmail.Mailboxes;

public enum PollState
{
    /// <summary>No poll is scheduled: the mailbox is disabled or has no incoming settings.</summary>
    Idle,
    Scheduled,
    /// <summary>Due, but waiting for a free session slot (per silo or per mail host).</summary>
    Waiting,
    Polling,
}

public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>Counts since the mailbox was created.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.MailboxCounts")]
public sealed record MailboxCounts(
    [property: Id(0)] long Fetched,
    [property: Id(1)] long Accepted,
    [property: Id(2)] long Discarded,
    [property: Id(3)] long Rejected,
    [property: Id(4)] long Quarantined,
    [property: Id(5)] long Duplicates)
{
    public static MailboxCounts Zero { get; } = new(0, 0, 0, 0, 0, 0);
}

[GenerateSerializer, Immutable, Alias("Techmail.MailboxStatus")]
public sealed record MailboxStatus(
    [property: Id(0)] PollState State,
    [property: Id(1)] DateTimeOffset? LastPollStarted,
    [property: Id(2)] TimeSpan? LastPollDuration,
    [property: Id(3)] DateTimeOffset? NextPoll,
    [property: Id(4)] MailboxCounts Counts,
    [property: Id(5)] int ConsecutiveFailures,
    [property: Id(6)] string? LastError,
    [property: Id(7)] CircuitState Circuit,
    [property: Id(8)] DateTimeOffset? LastSuccess,
    [property: Id(9)] DateTimeOffset? BackoffUntil = null,
    [property: Id(10)] string? Push = null,
    [property: Id(11)] Connections.GrantStatus? Grant = null)
{
    /// <summary>The person's consent was revoked or ran out: polls and sends stop logging in until <c>mailbox connect</c>.</summary>
    public bool NeedsReconnecting => Grant?.NeedsReconnecting == true;

    public static MailboxStatus Initial { get; } = new(PollState.Idle, null, null, null, MailboxCounts.Zero, 0, null, CircuitState.Closed, null);

    /// <summary>True once a poll that started after <paramref name="before"/> was taken has ended.</summary>
    public bool FinishedPollSince(MailboxStatus before) =>
        LastPollStarted != before.LastPollStarted && State is not (PollState.Polling or PollState.Waiting) && LastPollDuration is not null;
}

namespace Techmail.Outgoing;

/// <summary>A queued mail as the sender needs it: envelope and bytes.</summary>
/// <param name="Attempts">Sends tried so far (not counting the one about to be made).</param>
public sealed record OutboxItem(
    long Id,
    string? Reference,
    string EnvelopeFrom,
    IReadOnlyList<string> Recipients,
    byte[] Raw,
    int Attempts,
    DateTimeOffset Created)
{
    /// <summary>The key the mail was queued under ("ack:MESSAGEKEY", "send:...", ...), when it has one.</summary>
    public string? DedupeKey { get; init; }

    /// <summary>What the mail is, for the metrics: acknowledgement, reply, send, forward or other.</summary>
    public string Kind => DedupeKey?[..Math.Max(0, DedupeKey.IndexOf(':'))] switch
    {
        "ack" => "acknowledgement",
        "reply" => "reply",
        "send" => "send",
        "reject" => "forward",
        _ => "other",
    };

    /// <summary>The customer mail an acknowledgement answers: its span joins that message's trace.</summary>
    public string? AcknowledgedMessageKey => DedupeKey is { } key && key.StartsWith("ack:", StringComparison.Ordinal) ? key[4..] : null;
}

/// <summary>Counts and times behind <see cref="OutboxStatus"/>.</summary>
public sealed record OutboxCounts(long Queued, long Sent, long Failed, DateTimeOffset? OldestQueued, DateTimeOffset? NextAttempt, string? LastError);

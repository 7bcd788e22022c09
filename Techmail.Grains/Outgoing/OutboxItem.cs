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
    DateTimeOffset Created);

/// <summary>Counts and times behind <see cref="OutboxStatus"/>.</summary>
public sealed record OutboxCounts(long Queued, long Sent, long Failed, DateTimeOffset? OldestQueued, DateTimeOffset? NextAttempt, string? LastError);

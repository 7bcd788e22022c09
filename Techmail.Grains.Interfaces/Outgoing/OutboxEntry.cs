namespace Techmail.Outgoing;

public enum OutboxState
{
    /// <summary>Waiting to be sent, now or at its next attempt.</summary>
    Queued,
    Sent,
    /// <summary>Refused for good (5xx) or given up on; the reason is kept.</summary>
    Failed,
}

/// <summary>One outbox row as the admin sees it (without the message itself).</summary>
[GenerateSerializer, Immutable, Alias("Techmail.OutboxEntry")]
public sealed record OutboxEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] string Mailbox,
    [property: Id(2)] string? Reference,
    [property: Id(3)] string EnvelopeFrom,
    [property: Id(4)] IReadOnlyList<string> Recipients,
    [property: Id(5)] OutboxState State,
    [property: Id(6)] int Attempts,
    [property: Id(7)] DateTimeOffset? NextAttempt,
    [property: Id(8)] string? LastError,
    [property: Id(9)] DateTimeOffset Created,
    [property: Id(10)] DateTimeOffset? Sent,
    [property: Id(11)] long Size);

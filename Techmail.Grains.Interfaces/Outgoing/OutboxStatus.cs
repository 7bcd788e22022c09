namespace Techmail.Outgoing;

/// <summary>A mailbox's outbox at a glance.</summary>
/// <param name="OldestQueuedAge">How long the oldest queued mail has waited; null when nothing is queued.</param>
/// <param name="NextAttempt">When the next queued mail is due (now or earlier: being sent or held).</param>
/// <param name="Held">Why queued mail is not being sent at all (mailbox disabled, no outgoing settings, login refused); null when it flows.</param>
/// <param name="LastError">The latest error of a send that will be retried.</param>
/// <param name="RecentFailures">The newest permanent failures, with the server's reply or why we gave up.</param>
[GenerateSerializer, Immutable, Alias("Techmail.OutboxStatus")]
public sealed record OutboxStatus(
    [property: Id(0)] long Queued,
    [property: Id(1)] long Sent,
    [property: Id(2)] long Failed,
    [property: Id(3)] TimeSpan? OldestQueuedAge,
    [property: Id(4)] DateTimeOffset? NextAttempt,
    [property: Id(5)] string? Held,
    [property: Id(6)] string? LastError,
    [property: Id(7)] IReadOnlyList<OutboxEntry> RecentFailures);

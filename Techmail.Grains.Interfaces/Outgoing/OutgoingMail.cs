namespace Techmail.Outgoing;

/// <summary>A message to send in a mailbox's name; From, Reply-To and the envelope come from the mailbox.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.OutgoingMail")]
public sealed record OutgoingMail(
    [property: Id(0)] IReadOnlyList<string> To,
    [property: Id(1)] string Subject,
    [property: Id(2)] string TextBody,
    [property: Id(3)] string? InReplyTo = null);

/// <summary>
/// A send queued in the mailbox's outbox: the outbox sends it, retries it and records how it went (follow it with
/// <see cref="IOutboxGrain.Get"/>).
/// </summary>
/// <param name="RequestId">What keys the send: the same request id queued again is this same mail, never a second one.</param>
/// <param name="AlreadyQueued">True when this request id had been queued before: nothing new was queued.</param>
[GenerateSerializer, Immutable, Alias("Techmail.SendTicket")]
public sealed record SendTicket(
    [property: Id(0)] long OutboxId,
    [property: Id(1)] string RequestId,
    [property: Id(2)] string MessageId,
    [property: Id(3)] string EnvelopeFrom,
    [property: Id(4)] IReadOnlyList<string> Recipients,
    [property: Id(5)] bool AlreadyQueued);

namespace Techmail.Outgoing;

/// <summary>A message to send in a mailbox's name; From, Reply-To and the envelope come from the mailbox.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.OutgoingMail")]
public sealed record OutgoingMail(
    [property: Id(0)] IReadOnlyList<string> To,
    [property: Id(1)] string Subject,
    [property: Id(2)] string TextBody,
    [property: Id(3)] string? InReplyTo = null);

/// <summary>The relay accepted the message.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.SendReceipt")]
public sealed record SendReceipt(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string EnvelopeFrom,
    [property: Id(2)] IReadOnlyList<string> Recipients);

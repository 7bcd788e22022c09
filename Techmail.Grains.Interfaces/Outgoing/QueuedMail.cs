namespace Techmail.Outgoing;

/// <summary>A message for a mailbox's outbox, composed in full by the caller.</summary>
/// <param name="DedupeKey">Unique per tenant when set (e.g. "ack:MESSAGEKEY"): the same mail is never queued twice.</param>
/// <param name="Reference">What the mail is about (an incident reference), for the admin's listing.</param>
/// <param name="EnvelopeFrom">The SMTP MAIL FROM, normally the mailbox's envelope (bounce) address.</param>
/// <param name="Raw">The complete MIME message, Message-ID included; sent byte for byte as composed.</param>
[GenerateSerializer, Immutable, Alias("Techmail.QueuedMail")]
public sealed record QueuedMail(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Mailbox,
    [property: Id(2)] string? DedupeKey,
    [property: Id(3)] string? Reference,
    [property: Id(4)] string EnvelopeFrom,
    [property: Id(5)] IReadOnlyList<string> Recipients,
    [property: Id(6)] byte[] Raw);

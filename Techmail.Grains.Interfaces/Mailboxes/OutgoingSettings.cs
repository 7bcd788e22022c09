namespace Techmail.Mailboxes;

/// <param name="EnvelopeFrom">The SMTP MAIL FROM, where bounces return (the Bounce address).</param>
/// <param name="FriendlyFrom">The From header customers see (the Branded address); defaults to the envelope address.</param>
[GenerateSerializer, Immutable, Alias("Techmail.OutgoingSettings")]
public sealed record OutgoingSettings(
    [property: Id(0)] string EnvelopeFrom,
    [property: Id(1)] string? FriendlyFrom,
    [property: Id(2)] string? ReplyTo,
    [property: Id(3)] string? DisplayName,
    [property: Id(4)] SmtpRelaySettings? Relay);

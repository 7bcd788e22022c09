using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>One accepted message on its way from a mailbox to intake.</summary>
/// <param name="MessageKey">Stable across re-fetches of the same message: what makes the hand-off exactly-once.</param>
/// <param name="Bounces">For Marketing mail: the classifier's findings, one per bounced recipient.</param>
/// <param name="Mailing">For Marketing mail: the original mailing (VERP address or original Message-ID), when known.</param>
/// <param name="OriginalMessageIds">
/// For Marketing mail: the Message-IDs the report names as the mail it returns (normalised, newest first), which
/// bounce intake looks up in the tenant's outbox to tie the report to mail the tenant sent.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.InboundMessage")]
public sealed record InboundMessage(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Mailbox,
    [property: Id(2)] MailboxType Type,
    [property: Id(3)] string MessageKey,
    [property: Id(4)] string ServerUid,
    [property: Id(5)] string? MessageId,
    [property: Id(6)] string? From,
    [property: Id(7)] string? Subject,
    [property: Id(8)] byte[] Raw,
    [property: Id(9)] IReadOnlyList<Bounces.BounceFinding>? Bounces = null,
    [property: Id(10)] string? Mailing = null,
    [property: Id(11)] IReadOnlyList<string>? OriginalMessageIds = null);

/// <summary>Intake's word that a batch is durably recorded; only then may the messages leave the server.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.IntakeReceipt")]
public sealed record IntakeReceipt(
    [property: Id(0)] int Recorded,
    [property: Id(1)] int AlreadyRecorded);

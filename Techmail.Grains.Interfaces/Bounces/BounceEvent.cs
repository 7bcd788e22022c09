namespace Techmail.Bounces;

/// <summary>One bounce of one address, as a Marketing mailbox received it.</summary>
/// <param name="Reason">The reason label (userunknown, mailboxfull, feedback, ...).</param>
/// <param name="HardBounce">True for a permanent address failure; null when the report is not a failure (delivered, feedback, vacation).</param>
/// <param name="Mailing">What identifies the original mailing: a VERP envelope or the original Message-ID, when present.</param>
[GenerateSerializer, Immutable, Alias("Techmail.BounceEvent")]
public sealed record BounceEvent(
    [property: Id(0)] string Mailbox,
    [property: Id(1)] string MessageKey,
    [property: Id(2)] string Reason,
    [property: Id(3)] bool? HardBounce,
    [property: Id(4)] string? Status,
    [property: Id(5)] string? ReplyCode,
    [property: Id(6)] string? Diagnostic,
    [property: Id(7)] string? Mailing,
    [property: Id(8)] DateTimeOffset Received);

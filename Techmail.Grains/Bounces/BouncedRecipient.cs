namespace Techmail.Bounces;

/// <summary>One recipient named by a bounce, with what the report (or our reading of it) says went wrong.</summary>
/// <param name="HardBounce">True only for permanent address failures; null when the report is not a failure.</param>
public sealed record BouncedRecipient(
    string Recipient,
    string? Status,
    string? ReplyCode,
    BounceReason Reason,
    bool? HardBounce,
    string? Diagnostic);

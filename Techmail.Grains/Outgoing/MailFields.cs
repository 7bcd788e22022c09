using MimeKit;

namespace Techmail.Outgoing;

/// <summary>The header values of a mail about an incident, each already in its final form (ids in angle brackets).</summary>
internal sealed record MailFields(
    MailboxAddress From,
    MailboxAddress? ReplyTo,
    MailboxAddress To,
    string Subject,
    string MessageId,
    string? InReplyTo,
    IReadOnlyList<string> References,
    DateTimeOffset Date);

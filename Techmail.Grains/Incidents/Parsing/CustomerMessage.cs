namespace Techmail.Incidents.Parsing;

/// <summary>What a helpdesk incident needs from one customer email.</summary>
/// <param name="MessageKey">The key the message was read under, so a result can be traced back to its raw bytes.</param>
/// <param name="Sender">
/// Who speaks for the customer, and so the contact: the first usable address of From, Sender, then Return-Path; for
/// mail none of those speaks for, the Reply-To of an empty From or an unqualified From (see <see cref="SenderSource"/>).
/// </param>
/// <param name="SenderSource">Which header <see cref="Sender"/> came from.</param>
/// <param name="From">
/// The From address on its own (rules and loop detection look at it), null when there is none. A From that names no
/// address is read as the Reply-To it leaves answers to; an MTA's unqualified "MAILER-DAEMON" stays as written.
/// </param>
/// <param name="ReplyTo">
/// The first usable Reply-To address, null when there is none. Only where answers may go, never who speaks: whether it
/// is used is the mailbox's decision (see <see cref="Speaker.AnswerAddress"/>).
/// </param>
/// <param name="Date">The Date header, null when missing or unreadable.</param>
/// <param name="Subject">Decoded, on one line, "" when missing.</param>
/// <param name="MessageId">
/// The first usable Message-ID, in angle brackets; when the message has none, a stand-in made from the message key
/// (see <see cref="MessageIdIsSynthetic"/>), so reading the same message again gives the same id.
/// </param>
/// <param name="InReplyTo">The message this one answers, in angle brackets, or null.</param>
/// <param name="References">The thread's message ids from References, in angle brackets, oldest first.</param>
/// <param name="Headers">Every header in order, values decoded and on one line, for business rules.</param>
/// <param name="TextBody">The body as plain text (from HTML when that is all there is), LF line ends, "" when empty.</param>
/// <param name="ReplyText">
/// What the customer wrote now: <paramref name="TextBody"/> without quoted history and signature
/// (<see cref="Replies.ReplyExtractor"/>); the whole body when it is nothing but history.
/// </param>
/// <param name="Attachments">Files, inline images and forwarded messages, in the order they appear.</param>
/// <param name="Notes">What had to be repaired or left out while reading, for whoever looks at the incident.</param>
public sealed record CustomerMessage(
    string MessageKey,
    CustomerAddress Sender,
    SenderSource SenderSource,
    CustomerAddress? From,
    CustomerAddress? ReplyTo,
    IReadOnlyList<CustomerAddress> To,
    IReadOnlyList<CustomerAddress> Cc,
    DateTimeOffset? Date,
    string Subject,
    string MessageId,
    bool MessageIdIsSynthetic,
    string? InReplyTo,
    IReadOnlyList<string> References,
    IReadOnlyList<(string Name, string Value)> Headers,
    string TextBody,
    string ReplyText,
    IReadOnlyList<CustomerAttachment> Attachments,
    IReadOnlyList<string> Notes)
{
    /// <summary>The value of the first header with this name (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var header in Headers)
            if (header.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                return header.Value;
        return null;
    }

    /// <summary>The values of every header with this name (case-insensitive), in message order.</summary>
    public IEnumerable<string> HeaderValues(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
}

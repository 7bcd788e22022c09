using MimeKit;
using MimeKit.Utils;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Outgoing;

/// <summary>
/// The mail Techmail sends about an incident: acknowledgements and agent replies. Every one carries a tracking
/// Message-ID, the subject reference, the mailbox's From and Reply-To, and Techmail's own header so it is known
/// again if it ever comes back.
/// </summary>
public static class IncidentMail
{
    /// <summary>
    /// The acknowledgement as the bytes to queue: written out directly when every value in it is plain ASCII
    /// (<see cref="PlainAcknowledgement"/>), else composed through MimeKit; the bytes are the same either way.
    /// </summary>
    public static byte[] Acknowledgement(
        OutgoingSettings outgoing,
        IncidentPolicy policy,
        string reference,
        string subject,
        MailboxAddress customer,
        string? customerMessageId,
        IReadOnlyList<string> customerReferences,
        string messageId,
        DateTimeOffset now)
    {
        // The customer's words are echoed short and cleaned (EchoedText): the answer goes to whatever address the mail
        // named, under the mailbox's name and signature.
        var echoedSubject = EchoedText.Clean(subject, EchoedText.SubjectLength);
        var echoedName = EchoedText.Clean(customer.Name, EchoedText.NameLength);
        string Fill(string template) => template
            .Replace("{reference}", reference, StringComparison.Ordinal)
            .Replace("{subject}", echoedSubject.Length == 0 ? "(no subject)" : echoedSubject, StringComparison.Ordinal)
            .Replace("{name}", echoedName.Length > 0 ? echoedName : customer.Address, StringComparison.Ordinal);

        var fields = Fields(outgoing, customer, OneLine(Fill(policy.AcknowledgementSubject)), messageId, customerMessageId, customerReferences, now);
        // A message MimeKit writes always ends its body with a line end.
        var body = Fill(policy.AcknowledgementBody);
        body = Marked(policy, body);
        body = body.EndsWith('\n') ? body : body + "\n";
        return PlainAcknowledgement.TryWrite(fields, body) ?? ComposedAcknowledgement(fields, body);
    }

    /// <summary>
    /// The acknowledgement written from MimeKit's own headers and text part, not through a <see cref="MimeMessage"/>:
    /// its property setters re-encode and re-parse header values, which cost 60-80 µs and 25 KB a mail. MimeKit still
    /// encodes and folds every value, so the bytes are the ones a MimeMessage would write (see IncidentMailTests).
    /// </summary>
    /// <param name="body">Ending in a line end.</param>
    internal static byte[] ComposedAcknowledgement(MailFields fields, string body)
    {
        var headers = Envelope(fields, "acknowledgement");
        // RFC 3834: an automatic answer, so well-behaved responders on the other side do not answer it in turn.
        headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        headers.Add(HeaderId.MimeVersion, "1.0");
        using var text = new TextPart("plain") { Text = body };
        return WireFormat.Bytes(headers, text);
    }

    public static MimeMessage Reply(
        OutgoingSettings outgoing,
        string reference,
        string subject,
        MailboxAddress customer,
        string body,
        IReadOnlyList<ReplyAttachment> attachments,
        string messageId,
        string? inReplyTo,
        IReadOnlyList<string> references,
        DateTimeOffset now)
    {
        var headers = Envelope(Fields(outgoing, customer, WithReference(reference, subject), messageId, inReplyTo, references, now), "reply");
        var text = new TextPart("plain") { Text = body };
        if (attachments.Count == 0)
        {
            return new MimeMessage(headers, text);
        }

        var mixed = new Multipart("mixed") { text };
        foreach (var file in attachments)
        {
            mixed.Add(new MimePart(ContentType.Parse(file.ContentType))
            {
                Content = new MimeContent(new MemoryStream(file.Content, writable: false)),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = file.FileName,
            });
        }

        return new MimeMessage(headers, mixed);
    }

    /// <summary>
    /// The body of an acknowledgement or agent reply as it is sent: with the "reply above this line" marker on top when
    /// the installation asks for it (<see cref="IncidentPolicy.ReplyMarker"/>). The thread keeps the body without it.
    /// </summary>
    public static string Marked(IncidentPolicy policy, string body) => policy.ReplyMarker ? Replies.ReplyMarker.Above(body) : body;

    /// <summary>The subject with "[Incident: REF]" in front, unless the reference is already in it.</summary>
    public static string WithReference(string reference, string subject)
    {
        if (IncidentReference.FindInSubject(subject)?.ToString() == reference)
        {
            return OneLine(subject);
        }

        return OneLine($"[Incident: {reference}] {subject}".TrimEnd());
    }

    private static HeaderList Envelope(MailFields fields, string kind)
    {
        // Each value as a MimeMessage property would take it; the header encodes (RFC 2047) and folds it by its kind.
        var headers = new HeaderList
        {
            // First: the outbox sends the whole header block as this header's value (WireMessage), without parsing.
            new Header(MailSender.GeneratedHeader, kind),
            new Header(HeaderId.From, fields.From.ToString()),
            new Header(HeaderId.Date, DateUtils.FormatDate(fields.Date)),
            new Header(HeaderId.Subject, fields.Subject),
            new Header(HeaderId.MessageId, fields.MessageId),
        };
        if (fields.ReplyTo is { } replyTo)
        {
            headers.Add(HeaderId.ReplyTo, replyTo.ToString());
        }

        headers.Add(HeaderId.To, fields.To.ToString());
        if (fields.InReplyTo is { } inReplyTo)
        {
            headers.Add(HeaderId.InReplyTo, inReplyTo);
        }

        if (fields.References.Count > 0)
        {
            headers.Add(HeaderId.References, string.Join(' ', fields.References));
        }

        return headers;
    }

    /// <summary>The mailbox's addresses, and the thread so far, then the mail answered, as RFC 5322 asks.</summary>
    private static MailFields Fields(
        OutgoingSettings outgoing,
        MailboxAddress to,
        string subject,
        string messageId,
        string? inReplyTo,
        IReadOnlyList<string> references,
        DateTimeOffset now) => new(
            MailSender.From(outgoing),
            outgoing.ReplyTo is { Length: > 0 } replyTo ? MailboxAddress.Parse(replyTo) : null,
            to,
            subject,
            Angled(messageId),
            inReplyTo is { Length: > 0 } ? Angled(inReplyTo) : null,
            // Capped so a long thread stays a short header.
            references.Append(inReplyTo).OfType<string>().Select(Angled).Distinct(StringComparer.Ordinal).TakeLast(20).ToList(),
            now);

    private static string Angled(string messageId) => $"<{messageId.Trim('<', '>')}>";

    /// <summary>Subjects come from customers and templates; a line break in one would start a new header.</summary>
    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

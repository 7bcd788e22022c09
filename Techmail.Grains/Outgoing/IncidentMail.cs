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
    /// The acknowledgement as the bytes to queue. Written from MimeKit's own headers and text part, not through a
    /// <see cref="MimeMessage"/>: its property setters re-encode and re-parse header values, which cost 60-80 µs and
    /// 25 KB a mail, a tenth of the ingest path's CPU. MimeKit still encodes and folds every value, so the bytes are
    /// the ones a MimeMessage would write (see IncidentMailTests).
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
        string Fill(string template) => template
            .Replace("{reference}", reference, StringComparison.Ordinal)
            .Replace("{subject}", subject.Length == 0 ? "(no subject)" : subject, StringComparison.Ordinal)
            .Replace("{name}", customer.Name is { Length: > 0 } name ? name : customer.Address, StringComparison.Ordinal);

        var headers = Envelope(outgoing, customer, OneLine(Fill(policy.AcknowledgementSubject)), messageId, customerMessageId, customerReferences, now, "acknowledgement");
        // RFC 3834: an automatic answer, so well-behaved responders on the other side do not answer it in turn.
        headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        headers.Add(HeaderId.MimeVersion, "1.0");
        // A message MimeKit writes always ends its body with a line end.
        var body = Fill(policy.AcknowledgementBody);
        using var text = new TextPart("plain") { Text = body.EndsWith('\n') ? body : body + "\n" };
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
        var headers = Envelope(outgoing, customer, WithReference(reference, subject), messageId, inReplyTo, references, now, "reply");
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

    /// <summary>The subject with "[Incident: REF]" in front, unless the reference is already in it.</summary>
    public static string WithReference(string reference, string subject)
    {
        if (IncidentReference.FindInSubject(subject)?.ToString() == reference)
        {
            return OneLine(subject);
        }

        return OneLine($"[Incident: {reference}] {subject}".TrimEnd());
    }

    private static HeaderList Envelope(
        OutgoingSettings outgoing,
        MailboxAddress to,
        string subject,
        string messageId,
        string? inReplyTo,
        IReadOnlyList<string> references,
        DateTimeOffset now,
        string kind)
    {
        // Each value as a MimeMessage property would take it; the header encodes (RFC 2047) and folds it by its kind.
        var headers = new HeaderList
        {
            // First: the outbox sends the whole header block as this header's value (WireMessage), without parsing.
            new Header(MailSender.GeneratedHeader, kind),
            new Header(HeaderId.From, MailSender.From(outgoing).ToString()),
            new Header(HeaderId.Date, DateUtils.FormatDate(now)),
            new Header(HeaderId.Subject, subject),
            new Header(HeaderId.MessageId, Angled(messageId)),
        };
        if (outgoing.ReplyTo is { Length: > 0 } replyTo)
        {
            headers.Add(HeaderId.ReplyTo, MailboxAddress.Parse(replyTo).ToString());
        }

        headers.Add(HeaderId.To, to.ToString());
        if (inReplyTo is { Length: > 0 })
        {
            headers.Add(HeaderId.InReplyTo, Angled(inReplyTo));
        }

        // The thread so far, then the mail answered, as RFC 5322 asks; capped so a long thread stays a short header.
        var thread = references.Append(inReplyTo).OfType<string>().Select(Angled).Distinct(StringComparer.Ordinal).TakeLast(20).ToList();
        if (thread.Count > 0)
        {
            headers.Add(HeaderId.References, string.Join(' ', thread));
        }

        return headers;
    }

    private static string Angled(string messageId) => $"<{messageId.Trim('<', '>')}>";

    /// <summary>Subjects come from customers and templates; a line break in one would start a new header.</summary>
    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

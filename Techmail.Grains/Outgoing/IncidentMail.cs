using MimeKit;
using Techmail.Incidents;
using Techmail.Mailboxes;

namespace Techmail.Outgoing;

/// <summary>
/// The mail Techmail sends about an incident: acknowledgements and agent replies. Every one carries a tracking
/// Message-ID, the subject reference, the mailbox's From and Reply-To, and Techmail's own header so it is known
/// again if it ever comes back.
/// </summary>
public static class IncidentMail
{
    public static MimeMessage Acknowledgement(
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

        var message = Envelope(outgoing, customer, OneLine(Fill(policy.AcknowledgementSubject)), messageId, customerMessageId, customerReferences, now, "acknowledgement");
        // RFC 3834: an automatic answer, so well-behaved responders on the other side do not answer it in turn.
        message.Headers.Add("Auto-Submitted", "auto-replied");
        message.Body = new TextPart("plain") { Text = Fill(policy.AcknowledgementBody) };
        return message;
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
        var message = Envelope(outgoing, customer, WithReference(reference, subject), messageId, inReplyTo, references, now, "reply");
        var text = new TextPart("plain") { Text = body };
        if (attachments.Count == 0)
        {
            message.Body = text;
            return message;
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

        message.Body = mixed;
        return message;
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

    private static MimeMessage Envelope(
        OutgoingSettings outgoing,
        MailboxAddress to,
        string subject,
        string messageId,
        string? inReplyTo,
        IReadOnlyList<string> references,
        DateTimeOffset now,
        string kind)
    {
        var message = new MimeMessage();
        message.From.Add(MailSender.From(outgoing));
        if (outgoing.ReplyTo is { Length: > 0 } replyTo)
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }

        message.To.Add(to);
        message.Subject = subject;
        message.Date = now;
        message.MessageId = messageId.Trim('<', '>');
        if (inReplyTo is { Length: > 0 })
        {
            message.InReplyTo = inReplyTo.Trim('<', '>');
        }

        // The thread so far, then the mail answered, as RFC 5322 asks; capped so a long thread stays a short header.
        foreach (var id in references.Append(inReplyTo).OfType<string>().Distinct(StringComparer.Ordinal).TakeLast(20))
        {
            message.References.Add(id.Trim('<', '>'));
        }

        message.Headers.Add(MailSender.GeneratedHeader, kind);
        return message;
    }

    /// <summary>Subjects come from customers and templates; a line break in one would start a new header.</summary>
    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

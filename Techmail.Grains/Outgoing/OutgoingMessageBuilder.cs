using MimeKit;
using MimeKit.Utils;
using Techmail.Mailboxes;

namespace Techmail.Outgoing;

/// <summary>Turns an <see cref="OutgoingMail"/> into the MIME message a mailbox sends.</summary>
public static class OutgoingMessageBuilder
{
    public static IReadOnlyList<ValidationError> Validate(OutgoingMail mail)
    {
        var errors = new List<ValidationError>();
        if (mail.To is null || mail.To.Count == 0)
        {
            errors.Add(new ValidationError("to", "at least one recipient is required."));
        }

        for (var i = 0; i < (mail.To?.Count ?? 0); i++)
        {
            if (!HeaderValue.IsOneLine(mail.To![i]))
            {
                errors.Add(new ValidationError($"to[{i}]", HeaderValue.OneLineMessage));
            }
            else if (!EmailAddress.IsValid(mail.To[i]))
            {
                errors.Add(new ValidationError($"to[{i}]", $"'{mail.To[i]}' is not an email address."));
            }
        }

        if (mail.Subject is null)
        {
            errors.Add(new ValidationError("subject", "is required (it may be empty)."));
        }
        else if (!HeaderValue.IsOneLine(mail.Subject))
        {
            errors.Add(new ValidationError("subject", HeaderValue.OneLineMessage));
        }

        if (!HeaderValue.IsOneLine(mail.InReplyTo))
        {
            errors.Add(new ValidationError("inReplyTo", HeaderValue.OneLineMessage));
        }

        return errors;
    }

    public static MimeMessage Build(OutgoingSettings outgoing, OutgoingMail mail)
    {
        var message = new MimeMessage();
        message.From.Add(MailSender.From(outgoing));
        if (outgoing.ReplyTo is { Length: > 0 } replyTo)
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }

        foreach (var to in mail.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        var domain = MailboxAddress.Parse(outgoing.EnvelopeFrom).Domain;
        message.MessageId = MimeUtils.GenerateMessageId(domain);
        if (mail.InReplyTo is { Length: > 0 } inReplyTo)
        {
            message.InReplyTo = inReplyTo;
            message.References.Add(inReplyTo);
        }

        message.Subject = mail.Subject;
        message.Date = DateTimeOffset.UtcNow;
        // Lets Techmail recognise its own mail when it comes back (loops, auto-replies).
        message.Headers.Add(MailSender.GeneratedHeader, "mailbox");
        message.Body = new TextPart("plain") { Text = mail.TextBody ?? "" };
        return message;
    }
}

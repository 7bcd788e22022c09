using MimeKit;
using Techmail.Mailboxes;

namespace Techmail.Outgoing;

/// <summary>The message that carries a rejected message, whole, to the reject-forward address.</summary>
public static class RejectionNotice
{
    public static MimeMessage Build(OutgoingSettings outgoing, string mailbox, MimeMessage original, string reason, IReadOnlyList<string> forwardTo)
    {
        var notice = new MimeMessage();
        notice.From.Add(MailSender.From(outgoing));
        foreach (var address in forwardTo)
        {
            notice.To.Add(MailboxAddress.Parse(address));
        }

        if (outgoing.ReplyTo is { Length: > 0 } replyTo)
        {
            notice.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }

        notice.Subject = $"Rejected by Techmail: {original.Subject}";
        notice.Headers.Add(MailSender.GeneratedHeader, "rejected");
        // A rejection is itself automatic mail: no auto-replies to it (RFC 3834).
        notice.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        notice.Headers.Add("X-Techmail-Reject-Reason", reason);

        var explanation = new TextPart("plain")
        {
            Text = $"""
                Mailbox '{mailbox}' rejected the attached message and did not process it.

                Reason: {reason}
                From: {original.From}
                Subject: {original.Subject}
                Message-ID: {original.MessageId}

                The original message is attached unchanged.
                """,
        };
        var attached = new MessagePart { Message = original };
        notice.Body = new Multipart("mixed") { explanation, attached };
        return notice;
    }
}

using System.Text;

namespace Techmail.Tests.Support;

/// <summary>Bounce messages for tests, written as a real MTA writes them.</summary>
public static class TestBounces
{
    /// <summary>A standard delivery status notification (RFC 3464) for one failed recipient.</summary>
    public static byte[] Dsn(string recipient, string status, string diagnostic, string returnPath = "bounces@example.com", string? originalMessageId = null)
    {
        var id = originalMessageId ?? $"<{Guid.NewGuid():N}@mailer.example.com>";
        var text = $"""
            Return-Path: <>
            From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
            To: {returnPath}
            Subject: Undelivered Mail Returned to Sender
            Message-ID: <{Guid.NewGuid():N}@mx.example.org>
            Date: Thu, 26 Nov 2026 10:00:00 +0000
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain; charset=us-ascii

            This is the mail system at host mx.example.org.
            Your message could not be delivered to one or more recipients.

            <{recipient}>: {diagnostic}

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.org
            Arrival-Date: Thu, 26 Nov 2026 09:59:58 +0000

            Final-Recipient: rfc822; {recipient}
            Original-Recipient: rfc822;{recipient}
            Action: failed
            Status: {status}
            Remote-MTA: dns; in.example.net
            Diagnostic-Code: smtp; {diagnostic}

            --b1
            Content-Type: text/rfc822-headers

            From: News <news@example.com>
            To: {recipient}
            Subject: Our November newsletter
            Message-ID: {id}

            --b1--
            """;
        return Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\r\n"));
    }

    /// <param name="originalMessageId">The returned mail's Message-ID with its angle brackets; a random one when null.</param>
    public static byte[] HardUserUnknown(string recipient, string? originalMessageId = null) =>
        Dsn(recipient, "5.1.1", $"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual mailbox table", originalMessageId: originalMessageId);

    public static byte[] SoftMailboxFull(string recipient, string? originalMessageId = null) =>
        Dsn(recipient, "4.2.2", $"452 4.2.2 <{recipient}>: Mailbox full, quota exceeded", originalMessageId: originalMessageId);

    /// <summary>A spam complaint as a mailbox provider sends it (RFC 5965 feedback report with the original message).</summary>
    public static byte[] Complaint(string complainant, string originalMessageId, string returnPath = "bounces@example.com")
    {
        var text = $"""
            Return-Path: <>
            From: Feedback Loop <fbl@isp.example.org>
            To: {returnPath}
            Subject: Complaint about message from 192.0.2.10
            Message-ID: <{Guid.NewGuid():N}@isp.example.org>
            Date: Thu, 26 Nov 2026 11:00:00 +0000
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="f1"

            --f1
            Content-Type: text/plain; charset=us-ascii

            This is an email abuse report for an email message received from IP 192.0.2.10.

            --f1
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: ExampleFBL/1.0
            Version: 1
            Original-Mail-From: <{returnPath}>
            Original-Rcpt-To: <{complainant}>
            Arrival-Date: Thu, 26 Nov 2026 10:55:00 +0000

            --f1
            Content-Type: message/rfc822
            Content-Disposition: inline

            From: News <news@example.com>
            To: {complainant}
            Subject: Our November newsletter
            Message-ID: {originalMessageId}

            The newsletter.

            --f1--
            """;
        return Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\r\n"));
    }
}

namespace Techmail.MailFactory;

/// <summary>
/// What a Marketing mailbox receives: delivery status notifications (RFC 3464: a multipart/report with a readable
/// part, a message/delivery-status part and the original's headers) as Postfix-like MTAs write them, to a VERP return
/// address, and people's replies to a newsletter, which are no bounce at all.
/// </summary>
internal sealed class BounceMail(Random random)
{
    /// <summary>The failures a DSN may report: status, whether it is permanent, and the remote server's words.</summary>
    private static readonly (string Status, string Action, string Diagnostic)[] Failures =
    [
        ("5.1.1", "failed", "550 5.1.1 <{0}>: Recipient address rejected: User unknown in virtual mailbox table"),
        ("5.1.1", "failed", "550 5.1.1 The email account that you tried to reach does not exist."),
        ("4.2.2", "delayed", "452 4.2.2 <{0}>: Mailbox full, quota exceeded"),
        ("5.2.2", "failed", "552 5.2.2 <{0}>: mailbox full"),
        ("5.7.1", "failed", "550 5.7.1 Message rejected as spam by content filter"),
        ("4.4.1", "delayed", "451 4.4.1 Connection timed out while talking to in.example.net"),
    ];

    public GeneratedMail Dsn(string token, string recipient, DateTimeOffset date)
    {
        var (status, action, diagnostic) = Failures[random.Next(Failures.Length)];
        diagnostic = string.Format(System.Globalization.CultureInfo.InvariantCulture, diagnostic, recipient);
        var mx = $"mx{random.Next(1, 9)}.example.org";
        var boundary = $"{random.NextInt64():X}/{mx}";
        var verp = $"bounces+{recipient.Replace('@', '=')}@news.example.com";
        var original = $"<{random.NextInt64():x}.newsletter@news.example.com>";
        var w = new RawWriter();
        w.Line("Return-Path: <>");
        CommonHeaders.Start(w, token, date);
        w.Line($"From: Mail Delivery System <MAILER-DAEMON@{mx}>");
        w.Line($"To: {verp}");
        w.Line(action == "failed" ? "Subject: Undelivered Mail Returned to Sender" : "Subject: Delayed Mail (still being retried)");
        w.Line($"Date: {CommonHeaders.Date(date)}");
        w.Line($"Message-ID: <{token}@{mx}>");
        w.Line("Auto-Submitted: auto-replied");
        w.Line("MIME-Version: 1.0");
        w.Line($"Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"");
        w.Line();
        w.Line("This is a MIME-encapsulated message.");
        w.Line();
        w.Line($"--{boundary}");
        w.Line("Content-Description: Notification");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line($"This is the mail system at host {mx}.");
        w.Line();
        w.Line(action == "failed"
            ? "I'm sorry to have to inform you that your message could not be delivered to one or more recipients."
            : "Your message could not be delivered yet; the mail system will keep trying.");
        w.Line();
        w.Line($"<{recipient}>: host in.example.net[198.51.100.7] said: {diagnostic}");
        w.Line();
        w.Line($"Report {token}");
        w.Line();
        w.Line($"--{boundary}");
        w.Line("Content-Description: Delivery report");
        w.Line("Content-Type: message/delivery-status");
        w.Line();
        w.Line($"Reporting-MTA: dns; {mx}");
        w.Line($"X-Postfix-Queue-ID: {random.NextInt64():X}");
        w.Line($"X-Postfix-Sender: rfc822; {verp}");
        w.Line($"Arrival-Date: {CommonHeaders.Date(date.AddMinutes(-2))}");
        w.Line();
        w.Line($"Final-Recipient: rfc822; {recipient}");
        w.Line($"Original-Recipient: rfc822;{recipient}");
        w.Line($"Action: {action}");
        w.Line($"Status: {status}");
        w.Line("Remote-MTA: dns; in.example.net");
        w.Line($"Diagnostic-Code: smtp; {diagnostic}");
        w.Line();
        w.Line($"--{boundary}");
        w.Line("Content-Description: Undelivered Message Headers");
        w.Line("Content-Type: text/rfc822-headers");
        w.Line();
        w.Line($"Return-Path: <{verp}>");
        w.Line("From: Example News <news@example.com>");
        w.Line($"To: {recipient}");
        w.Line("Subject: Our November newsletter");
        w.Line($"Message-ID: {original}");
        w.Line();
        w.Line($"--{boundary}--");
        return new GeneratedMail(token, "Dsn", w.ToArray(), Hostile: false) { MessageId = $"<{token}@{mx}>", Sender = $"MAILER-DAEMON@{mx}" };
    }

    /// <summary>A person answering the newsletter: not a bounce, so a person must read it.</summary>
    public GeneratedMail PersonReply(string token, string sender, DateTimeOffset date)
    {
        var w = new RawWriter();
        CommonHeaders.Start(w, token, date);
        w.Line($"From: Reader <{sender}>");
        w.Line("To: news@example.com");
        w.Line($"Subject: Re: Our November newsletter {token}");
        w.Line($"Date: {CommonHeaders.Date(date)}");
        w.Line($"Message-ID: {CommonHeaders.MessageId(token)}");
        w.Line("MIME-Version: 1.0");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line("Please take me off this list.");
        w.Line(token);
        return new GeneratedMail(token, "PersonReply", w.ToArray(), Hostile: false) { MessageId = CommonHeaders.MessageId(token), Sender = sender };
    }
}

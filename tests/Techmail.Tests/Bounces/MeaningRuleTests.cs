using System.Text;
using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>
/// The classes of mistakes issue 19 found on bounces the classifier had never seen, each fixed by what the reply,
/// the status, the SMTP stage or the provider's documented wording means. Hand-written samples.
/// </summary>
public sealed class MeaningRuleTests
{
    private static string Dsn(string diagnostic, string status = "5.0.0", string action = "failed", string human = "Your message could not be delivered.") =>
        BounceSamples.Dsn(human, $"Final-Recipient: rfc822; rita@dest.test\nAction: {action}\nStatus: {status}\nDiagnostic-Code: smtp; {diagnostic}");

    private static BouncedRecipient Rita(string message)
    {
        var rita = Single(Classify(message));
        Assert.Equal("rita@dest.test", rita.Recipient);
        return rita;
    }

    [Theory]
    // Yahoo Inc. hosts other domains (AOL, ISPs): its "delivery error: dd" verdict names their domain, not yahoo.com.
    [InlineData("554 delivery error: dd This user doesn't have a dest.test account (rita@dest.test) [0] - mta1.mail.example")]
    [InlineData("554 delivery error: dd Requested mail box not found (rita@dest.test)")]
    [InlineData("550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address")]
    [InlineData("550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [AM0PR01MB0001.eurprd01.prod.protection.outlook.com]")]
    [InlineData("550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [AbCdEfGh.uk1]")]
    [InlineData("550 cuda_nsu <rita@dest.test>: Recipient address rejected: User unknown")]
    public void A_providers_directory_verdict_is_an_unknown_address_with_no_command_named(string diagnostic)
    {
        var rita = Rita(Dsn(diagnostic));

        Assert.Equal(BounceReason.UserUnknown, rita.Reason);
        Assert.True(rita.HardBounce);
    }

    [Fact]
    public void Unknown_user_words_from_a_filter_with_no_command_stay_soft()
    {
        // The same generic words from a server that names no command and no address status: a filter that had accepted
        // the address may say so, and a false hard bounce would invalidate a good address.
        var rita = Rita(Dsn("550 rita@dest.test... No such user"));

        Assert.Equal(BounceReason.Filtered, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Theory]
    [InlineData("550 5.1.1 Message refused due to recipient preferences", "5.1.1")]
    [InlineData("550 5.7.1 <rita@dest.test>: rejected because of the recipient's privacy settings", "5.7.1")]
    [InlineData("554 The recipient has blocked mail from your address", "5.0.0")]
    public void A_recipients_own_refusal_is_a_filter_never_a_hard_bounce(string diagnostic, string status)
    {
        var rita = Rita(Dsn(diagnostic, status));

        Assert.Equal(BounceReason.Filtered, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Theory]
    [InlineData("SMTP error from remote mail server after initial connection: 554 mx.dest.test Service unavailable", "5.0.0")]
    [InlineData("SMTP error from remote mail server after initial connection: 554 5.7.0 Access denied", "5.7.0")]
    [InlineData("host mx.dest.test said: 550 5.7.1 Transaction failed (in reply to EHLO command)", "5.7.1")]
    [InlineData("421-4.7.0 [192.0.2.9] The IP you're using to send mail is not authorized to send email directly to our servers.", "4.7.0")]
    [InlineData("554 Service unavailable; Client host [192.0.2.9] blocked using Barracuda Reputation; http://barracuda.example/q?ip=192.0.2.9", "5.0.0")]
    public void A_refusal_of_the_connecting_host_is_blocked(string diagnostic, string status)
    {
        var rita = Rita(Dsn(diagnostic, status));

        Assert.Equal(BounceReason.Blocked, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Theory]
    [InlineData("421 4.3.2 The maximum number of concurrent server connections has exceeded a limit, closing transmission channel", "4.3.2", BounceReason.TooManyConn)]
    [InlineData("421 mx.dest.test Too many concurrent SMTP connections; please try again later.", "4.0.0", BounceReason.TooManyConn)]
    [InlineData("421 4.7.0 mx.dest.test Error: too many connections from 192.0.2.9", "4.7.0", BounceReason.TooManyConn)]
    [InlineData("452 4.5.3 Error: too many recipients", "4.5.3", BounceReason.TooManyConn)]
    [InlineData("450 4.7.1 Error: too many messages from 192.0.2.9, slow down", "4.7.1", BounceReason.Speeding)]
    public void Connection_counts_are_too_many_connections_and_message_rates_are_speeding(string diagnostic, string status, BounceReason expected) =>
        Assert.Equal(expected, Rita(Dsn(diagnostic, status)).Reason);

    [Theory]
    [InlineData("Deferred: Connection timed out with mx.dest.test.", "4.4.1", "delayed")]
    [InlineData("Cannot send message for 5 days", "5.0.0", "failed")]
    [InlineData("450 4.2.0 <rita@dest.test>: Recipient address rejected: Greylisted, see http://postgrey.example/help/dest.test.html", "4.2.0", "failed")]
    [InlineData("451 4.7.1 Greylisting in action, please come back later", "4.7.1", "delayed")]
    [InlineData("mx.dest.test did not respond; giving up on the message", "5.0.0", "failed")]
    public void A_host_that_never_answered_until_the_queue_gave_up_is_expired(string diagnostic, string status, string action)
    {
        var rita = Rita(Dsn(diagnostic, status, action));

        Assert.Equal(BounceReason.Expired, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Theory]
    [InlineData("SMTP error from remote mail server after RCPT TO:<rita@dest.test>: 550 Unrouteable address", BounceReason.UserUnknown)]
    [InlineData("host mx.dest.test[192.0.2.1] said: 550 5.1.2 Unrouteable domain (in reply to RCPT TO command)", BounceReason.HostUnknown)]
    public void Unrouteable_answered_by_the_domains_own_server_is_the_local_part(string diagnostic, BounceReason expected)
    {
        var rita = Rita(Dsn(diagnostic));

        Assert.Equal(expected, rita.Reason);
        Assert.True(rita.HardBounce);
    }

    [Fact]
    public void A_status_of_no_answer_from_host_alone_is_expired()
    {
        var message = Dsn("x", "4.4.1", "delayed").Replace("Diagnostic-Code: smtp; x\n", "", StringComparison.Ordinal);

        Assert.Equal(BounceReason.Expired, Rita(message).Reason);
    }

    [Fact]
    public void An_unverifiable_sending_ip_is_a_reverse_dns_refusal() =>
        Assert.Equal(BounceReason.RequirePtr, Rita(Dsn("450 4.7.1 Client host rejected: unverifiable sending IP 192.0.2.9", "4.7.1", "delayed")).Reason);

    [Fact]
    public void An_out_of_office_reply_sent_with_an_empty_envelope_is_a_vacation_notice()
    {
        // RFC 3834 asks responders for an empty Return-Path, which bounces share; the text names other addresses.
        var result = Classify("""
            Return-Path: <>
            From: Rita Example <rita@dest.test>
            To: alice@sender.test
            Subject: Out of Office: your order
            Auto-Submitted: auto-replied
            Content-Type: text/plain

            I am away until Monday. For urgent matters write to desk@dest.test or call the office.
            """);

        var rita = Single(result);
        Assert.Equal("rita@dest.test", rita.Recipient);
        Assert.Equal(BounceReason.Vacation, rita.Reason);
        Assert.Null(rita.HardBounce);
    }

    [Fact]
    public void Arf_fields_sent_as_plain_text_are_a_complaint()
    {
        var result = Classify("""
            From: feedback@isp.test
            To: abuse@sender.test
            Subject: FW: spam report
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="f"

            --f
            Content-Type: text/plain

            Feedback-Type: abuse
            User-Agent: ExampleFBL/1.0
            Version: 1
            Original-Rcpt-To: rita@dest.test

            --f
            Content-Type: message/rfc822

            From: news@sender.test
            To: rita@dest.test
            Subject: Offers

            Hello
            --f--
            """);

        var rita = Single(result);
        Assert.Equal("rita@dest.test", rita.Recipient);
        Assert.Equal(BounceReason.Feedback, rita.Reason);
        Assert.Null(rita.HardBounce);
    }

    [Fact]
    public void A_microsoft_junk_mail_report_names_its_complainant_in_the_returned_message()
    {
        var result = Classify("""
            From: staff@hotmail.test
            To: fbl@sender.test
            Subject: complaint about message from 192.0.2.9
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="j"

            --j
            Content-Type: text/plain

            This is an email abuse report for an email message received from IP 192.0.2.9.

            --j
            Content-Type: message/rfc822

            X-HmXmrOriginalRecipient: <rita@dest.test>
            From: news@sender.test
            To: list@sender.test
            Subject: Offers

            Hello
            --j--
            """);

        var rita = Single(result);
        Assert.Equal("rita@dest.test", rita.Recipient);
        Assert.Equal(BounceReason.Feedback, rita.Reason);
    }

    [Fact]
    public void An_indented_amazon_ses_complaint_is_a_complaint()
    {
        var result = Classify("""
            From: no-reply@sns.amazonaws.example
            To: ops@sender.test
            Subject: AWS Notification Message
            Content-Type: text/plain

            {
              "notificationType" : "Complaint",
              "complaint" : {
                "complainedRecipients" : [ { "emailAddress" : "rita@dest.test" } ],
                "complaintFeedbackType" : "abuse"
              },
              "mail" : { "messageId" : "0100-abc", "source" : "news@sender.test" }
            }
            """);

        var rita = Single(result);
        Assert.Equal("rita@dest.test", rita.Recipient);
        Assert.Equal(BounceReason.Feedback, rita.Reason);
    }

    [Fact]
    public void Dovecots_quota_rejection_is_a_full_mailbox()
    {
        // Dovecot's delivery agent rejects over quota with a disposition notification, not a delivery-status part.
        var result = Classify("""
            From: Mail Delivery Subsystem <MAILER-DAEMON@dest.test>
            To: alice@sender.test
            Subject: Rejected: Offers
            Auto-Submitted: auto-replied (rejected)
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=disposition-notification; boundary="q"

            --q
            Content-Type: text/plain; charset=utf-8

            Your message to <rita@dest.test> was automatically rejected:
            Quota exceeded (mailbox for user is full)

            --q
            Content-Type: message/disposition-notification

            Reporting-UA: mx.dest.test; Dovecot Mail Delivery Agent
            Final-Recipient: rfc822; rita@dest.test
            Original-Message-ID: <offer-1@sender.test>
            Disposition: automatic-action/MDN-sent-automatically; deleted

            --q--
            """);

        var rita = Single(result);
        Assert.Equal("rita@dest.test", rita.Recipient);
        Assert.Equal(BounceReason.MailboxFull, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Fact]
    public void A_saved_mailbox_file_reports_every_bounce_in_it()
    {
        var first = Dsn("550 5.1.1 <rita@dest.test>: Recipient address rejected: User unknown (in reply to RCPT TO command)", "5.1.1");
        var second = first.Replace("rita@dest.test", "sam@dest.test", StringComparison.Ordinal).Replace("5.1.1", "5.2.2", StringComparison.Ordinal)
            .Replace("User unknown (in reply to RCPT TO command)", "Mailbox full", StringComparison.Ordinal);
        var mbox = $"From MAILER-DAEMON Mon Dec  7 07:00:00 2026\n{first}\n\nFrom MAILER-DAEMON Mon Dec  7 07:01:00 2026\n{second}\n";

        var result = new BounceClassifier().Classify(Encoding.UTF8.GetBytes(mbox.Replace("\r\n", "\n")));

        Assert.Equal(["rita@dest.test", "sam@dest.test"], result.Recipients.Select(r => r.Recipient));
        Assert.Equal([BounceReason.UserUnknown, BounceReason.MailboxFull], result.Recipients.Select(r => r.Reason));
    }

    [Fact]
    public void A_body_line_starting_with_from_does_not_split_a_single_message() =>
        Assert.False(Mbox.HoldsSeveral(Encoding.ASCII.GetBytes("From MAILER-DAEMON Mon Dec  7 07:00:00 2026\nSubject: x\n\nbody\nFrom here on, nothing\n\nmore\n")));
}

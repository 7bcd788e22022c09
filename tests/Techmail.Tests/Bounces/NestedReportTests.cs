using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>
/// A gateway (a mail security appliance or relay) that sends its own notice naming the recipient but no cause, with
/// the downstream MTA's report attached as a message: the attached report's SMTP reply is the diagnostic. Hand-written
/// samples in the shapes Trend Micro InterScan Messaging Security Suite, Sendmail and Postfix use.
/// </summary>
public sealed class NestedReportTests
{
    private static string GatewayNotice(string attachedMessage) => $"""
        From: postmaster@gateway.sender.test
        To: <alice@sender.test>
        Subject: Mail could not be delivered
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="gw1"

        --gw1
        Content-type: text/plain

        ****** Message from InterScan Messaging Security Suite ******

        The following mail could not be delivered.
        Reason:  Unable to deliver message to <rita@dest.test> (and other recipients in the same domain).

        ************************     End of message     **********************

        --gw1
        Content-type: message/rfc822

        {attachedMessage}
        --gw1--
        """;

    // Sendmail's plain report, as the gateway received it back: From is the original sender, no report type.
    private const string SendmailTranscript = """
        From: alice@sender.test
        To: rita@dest.test
        Subject: Quarterly figures
        MIME-Version: 1.0
        Content-Type: text/plain; charset=us-ascii

        The original message was received at Mon, 7 Dec 2026 08:00:00 +0000
        from gateway.sender.test [192.0.2.10]

           ----- The following addresses had permanent fatal errors -----
        <rita@dest.test>

           ----- Transcript of session follows -----
        ... while talking to mx.dest.test.:
        >>> RCPT To:<rita@dest.test>
        <<< 550 5.1.1 <rita@dest.test>... Invalid recipient

        """;

    [Fact]
    public void The_attached_transcript_names_the_cause_the_gateways_notice_leaves_out()
    {
        var rita = Single(Classify(GatewayNotice(SendmailTranscript)));

        Assert.Equal("rita@dest.test", rita.Recipient);
        // Refused at RCPT TO with 5.1.1: the destination's own server judged the address.
        Assert.Equal(BounceReason.UserUnknown, rita.Reason);
        Assert.True(rita.HardBounce);
        Assert.Equal("550", rita.ReplyCode);
    }

    [Fact]
    public void An_attached_delivery_status_report_names_the_cause_too()
    {
        const string postfixReport = """
            From: Mail Delivery System <MAILER-DAEMON@relay.sender.test>
            To: alice@sender.test
            Subject: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="pf1"

            --pf1
            Content-Type: text/plain

            <rita@dest.test>: host mx.dest.test[192.0.2.20] said: 552 5.2.2 <rita@dest.test>: Mailbox full (in reply to RCPT TO command)

            --pf1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; relay.sender.test

            Final-Recipient: rfc822; rita@dest.test
            Action: failed
            Status: 5.2.2
            Diagnostic-Code: smtp; 552 5.2.2 <rita@dest.test>: Mailbox full

            --pf1--
            """;
        // A standard report attached to a notice that is none: the attached report's fields give the cause.
        var rita = Single(Classify(GatewayNotice(postfixReport)));

        Assert.Equal(BounceReason.MailboxFull, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Fact]
    public void A_returned_original_that_is_no_report_leaves_the_cause_unknown()
    {
        // The usual attachment is the mail that was sent; its prose naming the recipient with alarming words is not a
        // server's reply, so it must not lend a cause (and never a hard bounce).
        const string original = """
            From: alice@sender.test
            To: rita@dest.test
            Subject: Your account
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            Dear rita@dest.test, the user unknown to our shop has an invalid recipient address on file.

            """;
        var rita = Single(Classify(GatewayNotice(original)));

        Assert.Equal("rita@dest.test", rita.Recipient);
        Assert.Equal(BounceReason.OnHold, rita.Reason);
        Assert.NotEqual(true, rita.HardBounce);
    }
}

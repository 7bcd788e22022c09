using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>RFC 3464 delivery reports, RFC 5965 feedback reports and RFC 3834 auto-replies.</summary>
public sealed class StandardReportTests
{
    private const string PostfixDsn = """
        From: MAILER-DAEMON@relay.test.invalid (Mail Delivery System)
        To: alice@sender.test
        Subject: Undelivered Mail Returned to Sender
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

        --b1
        Content-Type: text/plain

        I'm sorry to have to inform you that your message could not be delivered.

        --b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; relay.test.invalid

        Final-Recipient: rfc822; bob@dest.test
        Original-Recipient: rfc822;bob@dest.test
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mx.dest.test
        Diagnostic-Code: smtp; 550 5.1.1 <bob@dest.test>: Recipient address
            rejected: User unknown in local recipient table

        Final-Recipient: rfc822; carol@dest.test
        Action: failed
        Status: 5.2.2
        Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

        --b1
        Content-Type: text/rfc822-headers

        Return-Path: <alice@sender.test>
        From: alice@sender.test
        To: bob@dest.test
        Message-ID: <m1@sender.test>
        Subject: hello

        --b1--
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Delivery_status_report_gives_each_recipient_and_the_original_ids(bool crlf)
    {
        var result = Classify(PostfixDsn, crlf);

        Assert.True(result.IsBounce);
        Assert.Equal(2, result.Recipients.Count);
        var bob = result.Recipients[0];
        Assert.Equal("bob@dest.test", bob.Recipient);
        Assert.Equal("5.1.1", bob.Status);
        Assert.Equal("550", bob.ReplyCode);
        Assert.Equal(BounceReason.UserUnknown, bob.Reason);
        Assert.True(bob.HardBounce);
        var carol = result.Recipients[1];
        Assert.Equal(BounceReason.MailboxFull, carol.Reason);
        Assert.False(carol.HardBounce);
        Assert.Equal("m1@sender.test", result.OriginalMessageId);
        Assert.Equal("alice@sender.test", result.OriginalEnvelopeFrom);
    }

    [Fact]
    public void Generic_status_is_refined_from_the_remote_reply()
    {
        var result = Classify("""
            From: Mail Delivery Subsystem <MAILER-DAEMON@mta.test>
            To: alice@sender.test
            Subject: Returned mail: see transcript for details
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="x"

            --x
            Content-Type: message/delivery-status

            Final-Recipient: RFC822; dave@dest.test
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: SMTP; 550-5.7.26 Unauthenticated email from sender.test is not
                550-5.7.26 accepted due to domain's DMARC policy.
            --x--
            """);

        var dave = Single(result);
        Assert.Equal("5.7.26", dave.Status);
        Assert.Equal(BounceReason.AuthFailure, dave.Reason);
        Assert.False(dave.HardBounce);
    }

    [Fact]
    public void Delivered_action_is_not_a_failure()
    {
        var result = Classify("""
            From: postmaster@mta.test
            To: alice@sender.test
            Subject: Successful Mail Delivery Report
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="x"

            --x
            Content-Type: message/delivery-status

            Final-Recipient: rfc822; erin@dest.test
            Action: delivered
            Status: 2.0.0
            --x--
            """);

        var erin = Single(result);
        Assert.Equal(BounceReason.Delivered, erin.Reason);
        Assert.Null(erin.HardBounce);
    }

    [Fact]
    public void Feedback_report_names_the_complaining_recipient()
    {
        var result = Classify("""
            From: fbl@isp.test
            To: abuse@sender.test
            Subject: Complaint
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="f"

            --f
            Content-Type: text/plain

            A user marked this message as spam.
            --f
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: isp-fbl/1.0
            Version: 1
            Original-Mail-From: <news@sender.test>
            Original-Rcpt-To: <frank@isp.test>
            --f
            Content-Type: message/rfc822

            From: news@sender.test
            To: frank@isp.test
            Message-ID: <n1@sender.test>
            Subject: offers

            body
            --f--
            """);

        var frank = Single(result);
        Assert.Equal("frank@isp.test", frank.Recipient);
        Assert.Equal(BounceReason.Feedback, frank.Reason);
        Assert.Null(frank.HardBounce);
        Assert.Equal("news@sender.test", result.OriginalEnvelopeFrom);
        Assert.Equal("n1@sender.test", result.OriginalMessageId);
    }

    [Fact]
    public void Auto_reply_is_a_vacation_from_its_author()
    {
        var result = Classify("""
            From: Grace <grace@dest.test>
            To: alice@sender.test
            Subject: Out of office until Monday
            Auto-Submitted: auto-replied

            I am away and will read your mail when I return.
            """);

        var grace = Single(result);
        Assert.Equal("grace@dest.test", grace.Recipient);
        Assert.Equal(BounceReason.Vacation, grace.Reason);
        Assert.Null(grace.HardBounce);
    }

    [Fact]
    public void Ordinary_mail_is_not_a_bounce()
    {
        var result = Classify("""
            From: Heidi <heidi@friend.test>
            To: alice@sender.test
            Subject: Lunch?

            Are you free on Thursday? Ask ivan@friend.test too.
            """);

        Assert.False(result.IsBounce);
        Assert.Empty(result.Recipients);
    }

    [Fact]
    public void Garbage_input_does_not_throw()
    {
        var classifier = new BounceClassifier();
        Assert.False(classifier.Classify([]).IsBounce);
        Assert.False(classifier.Classify([0xff, 0xfe, 0x00, 0x01, 0x0a, 0x0a]).IsBounce);
    }

    [Theory]
    [InlineData("userunknown", BounceReason.UserUnknown)]
    [InlineData("MailboxFull", BounceReason.MailboxFull)]
    [InlineData("FAILEDSTARTTLS", BounceReason.FailedStartTls)]
    public void Reason_labels_parse_case_insensitively(string label, BounceReason expected)
    {
        Assert.Equal(expected, BounceReasons.Parse(label));
        Assert.Equal(label.ToLowerInvariant(), BounceReasons.ToLabel(expected));
    }

    [Fact]
    public void Unknown_reason_label_is_rejected()
    {
        Assert.Throws<FormatException>(() => BounceReasons.Parse("nonsense"));
        Assert.False(BounceReasons.TryParse(null, out _));
    }
}

using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>Non-standard plain-text reports, one hand-written sample per MTA family.</summary>
public sealed class PlainTextReportTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Qmail(bool crlf)
    {
        var result = Classify("""
            From: MAILER-DAEMON@mx.sender.test
            To: alice@sender.test
            Subject: failure notice

            Hi. This is the qmail-send program at mx.sender.test.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <bob@dest.test>:
            192.0.2.7 does not like recipient.
            Remote host said: 552 5.2.2 Mailbox quota exceeded
            Giving up on 192.0.2.7.

            --- Below this line is a copy of the message.

            Return-Path: <alice@sender.test>
            Message-ID: <q1@sender.test>
            From: alice@sender.test
            To: bob@dest.test
            """, crlf);

        var bob = Single(result);
        Assert.Equal("bob@dest.test", bob.Recipient);
        Assert.Equal(BounceReason.MailboxFull, bob.Reason);
        Assert.Equal("5.2.2", bob.Status);
        Assert.Equal("q1@sender.test", result.OriginalMessageId);
    }

    [Fact]
    public void Exim()
    {
        var result = Classify("""
            From: Mail Delivery System <Mailer-Daemon@hub.sender.test>
            To: alice@sender.test
            Subject: Mail delivery failed: returning message to sender
            X-Failed-Recipients: carol@dest.test

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              carol@dest.test
                host mx.dest.test [192.0.2.9]
                SMTP error from remote mail server after RCPT TO:<carol@dest.test>:
                554 5.7.1 <carol@dest.test>: Relay access denied

            ------ This is a copy of the message, including all the headers. ------

            Return-path: <alice@sender.test>
            Message-Id: <e1@sender.test>
            """);

        var carol = Single(result);
        Assert.Equal(BounceReason.NoRelaying, carol.Reason);
        Assert.Equal("554", carol.ReplyCode);
        Assert.Equal("alice@sender.test", result.OriginalEnvelopeFrom);
    }

    [Fact]
    public void Exim_rejection_at_mail_from_is_about_the_sender()
    {
        var result = Classify("""
            From: Mail Delivery System <Mailer-Daemon@hub.sender.test>
            To: alice@sender.test
            Subject: Mail delivery failed: returning message to sender

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              dan@dest.test
                host mx.dest.test [192.0.2.9]
                SMTP error from remote mail server after MAIL FROM:<alice@sender.test>:
                550 5.1.2 No such domain sender.test
            """);

        Assert.Equal(BounceReason.Rejected, Single(result).Reason);
    }

    [Fact]
    public void Postfix_without_dsn_part()
    {
        var result = Classify("""
            From: MAILER-DAEMON@relay.sender.test (Mail Delivery System)
            To: alice@sender.test
            Subject: Undelivered Mail Returned to Sender

            This is the mail system at host relay.sender.test.

            <erin@dest.test>: host mx.dest.test[192.0.2.5] said: 550 5.7.1 Client host
                [192.0.2.1] blocked using zen.spamhaus.org (in reply to RCPT TO command)
            """);

        var erin = Single(result);
        Assert.Equal(BounceReason.Blocked, erin.Reason);
        Assert.False(erin.HardBounce);
    }

    [Fact]
    public void Exchange_legacy_report()
    {
        var result = Classify("""
            From: System Administrator <postmaster@corp.test>
            To: alice@sender.test
            Subject: Undeliverable: Quarterly numbers

            Your message did not reach some or all of the intended recipients.

                  Subject:  Quarterly numbers
                  Sent:     1/2/2020 10:00 AM

            The following recipient(s) could not be reached:

                  frank@corp.test on 1/2/2020 10:00 AM
                        The e-mail account does not exist at the organization this message was sent to.
                        <mx.corp.test #5.1.1 smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found>
            """);

        var frank = Single(result);
        Assert.Equal("frank@corp.test", frank.Recipient);
        Assert.Equal(BounceReason.UserUnknown, frank.Reason);
        Assert.True(frank.HardBounce);
    }

    [Fact]
    public void Gmail_text_report()
    {
        var result = Classify("""
            From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
            To: alice@sender.test
            Subject: Delivery Status Notification (Failure)

            Delivery to the following recipient failed permanently:

                 grace@dest.test

            Technical details of permanent failure:
            The recipient server did not accept our requests to connect. [mx.dest.test. 192.0.2.3: timed out]

            ----- Original message -----

            Message-ID: <g1@sender.test>
            """);

        Assert.Equal(BounceReason.Expired, Single(result).Reason);
    }

    [Fact]
    public void Domino()
    {
        var result = Classify("""
            From: Postmaster@notes.test
            To: alice@sender.test
            Subject: DELIVERY FAILURE: User Heidi (heidi@notes.test) not listed in Domino Directory

            Your message

              Subject: Report

            was not delivered to:

              heidi@notes.test

            because:

              User Heidi (heidi@notes.test) not listed in Domino Directory
            """);

        var heidi = Single(result);
        Assert.Equal(BounceReason.UserUnknown, heidi.Reason);
        Assert.True(heidi.HardBounce);
    }

    [Fact]
    public void Sendmail_style_transcript_with_host_unknown()
    {
        var result = Classify("""
            From: Mail Delivery Subsystem <MAILER-DAEMON@mta.sender.test>
            To: alice@sender.test
            Subject: Returned mail: Host unknown

               ----- Transcript of session follows -----
            550 5.1.2 ivan@nowhere.test... Host unknown (Name server: nowhere.test: host not found)
            """);

        var ivan = Single(result);
        Assert.Equal(BounceReason.HostUnknown, ivan.Reason);
        Assert.True(ivan.HardBounce);
    }

    [Fact]
    public void Amazon_ses_notification_json()
    {
        var result = Classify("""
            From: AWS Notifications <no-reply@sns.amazonaws.com>
            To: alice@sender.test
            Subject: AWS Notification Message

            {"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"judy@dest.test","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2020-01-01T00:00:00.000Z"},"mail":{"messageId":"0100abc","source":"alice@sender.test"}}
            """);

        var judy = Single(result);
        Assert.Equal("judy@dest.test", judy.Recipient);
        Assert.Equal(BounceReason.UserUnknown, judy.Reason);
        Assert.Equal("0100abc", result.OriginalMessageId);
        Assert.Equal("alice@sender.test", result.OriginalEnvelopeFrom);
    }

    [Theory]
    [InlineData("550 5.7.25 The IP address sending this message does not have a PTR record", BounceReason.RequirePtr)]
    [InlineData("530 5.7.0 Must issue a STARTTLS command first", BounceReason.FailedStartTls)]
    [InlineData("552 5.3.4 Message size exceeds fixed limit", BounceReason.MesgTooBig)]
    [InlineData("421 4.7.0 Too many connections from your IP", BounceReason.TooManyConn)]
    [InlineData("550 5.7.1 Message rejected as spam by Content Filtering", BounceReason.SpamDetected)]
    [InlineData("554 5.7.1 Virus found in message", BounceReason.VirusDetected)]
    [InlineData("550 5.7.23 SPF validation failed", BounceReason.AuthFailure)]
    [InlineData("550 5.2.1 The email account that you tried to reach is disabled", BounceReason.Suspend)]
    public void Diagnostic_phrases_name_the_cause(string reply, BounceReason expected)
    {
        var result = Classify($"""
            From: MAILER-DAEMON@relay.sender.test (Mail Delivery System)
            To: alice@sender.test
            Subject: Undelivered Mail Returned to Sender

            <kim@dest.test>: host mx.dest.test[192.0.2.5] said: {reply} (in reply to end of DATA command)
            """);

        Assert.Equal(expected, Single(result).Reason);
    }
}

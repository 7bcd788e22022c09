using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>
/// The SMTP command a refusal answered, and what it means for "unknown user" wording; DSN field order; provider
/// codes; the generic phrasings added with them. Hand-written samples.
/// </summary>
public sealed class SmtpStageRuleTests
{
    private static string Report(string human, string fields) => BounceSamples.Dsn(human, fields);

    [Fact]
    public void Unknown_user_answered_at_rcpt_is_an_unknown_address()
    {
        var bob = Single(Classify(Report(
            "<bob@dest.test>: host mx.dest.test[192.0.2.1] said: 550 Unknown user bob@dest.test (in reply to RCPT TO command)",
            "Final-Recipient: rfc822; bob@dest.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 Unknown user bob@dest.test")));

        Assert.Equal(BounceReason.UserUnknown, bob.Reason);
        Assert.True(bob.HardBounce);
    }

    [Fact]
    public void Unknown_user_answered_after_data_is_a_filter()
    {
        var bob = Single(Classify(Report(
            "<bob@dest.test>: host mx.dest.test[192.0.2.1] said: 550 Unknown user bob@dest.test (in reply to end of DATA command)",
            "Final-Recipient: rfc822; bob@dest.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 Unknown user bob@dest.test")));

        Assert.Equal(BounceReason.Filtered, bob.Reason);
        Assert.False(bob.HardBounce);
    }

    [Fact]
    public void Transcript_names_the_command_before_the_refusal()
    {
        var carol = Single(Classify(Report(
            "... while talking to mx.dest.test.:\n>>> MAIL From:<alice@sender.test>\n<<< 250 ok\n>>> DATA\n<<< 550 5.2.1 <carol@dest.test>... User Unknown",
            "Final-Recipient: rfc822; carol@dest.test\nAction: failed\nStatus: 5.2.1\nDiagnostic-Code: smtp; 550 5.2.1 <carol@dest.test>... User Unknown")));

        Assert.Equal(BounceReason.Filtered, carol.Reason);
    }

    [Fact]
    public void Unknown_user_with_no_command_and_no_address_status_is_a_filter()
    {
        var dan = Single(Classify(Report(
            "Your message could not be delivered.",
            "Final-Recipient: rfc822; dan@dest.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 dan@dest.test... No such user")));

        Assert.Equal(BounceReason.Filtered, dan.Reason);
    }

    [Fact]
    public void An_address_status_keeps_unknown_user_whatever_the_command()
    {
        var dan = Single(Classify(Report(
            "... while talking to mx.dest.test.:\n>>> DATA\n<<< 550 5.1.1 <dan@dest.test>... User unknown",
            "Final-Recipient: rfc822; dan@dest.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <dan@dest.test>... User unknown")));

        Assert.Equal(BounceReason.UserUnknown, dan.Reason);
    }

    [Fact]
    public void Qmail_does_not_like_recipient_is_a_rcpt_refusal()
    {
        var result = Classify("""
            From: MAILER-DAEMON@relay.sender.test
            To: alice@sender.test
            Subject: failure notice

            Hi. This is the qmail-send program at relay.sender.test.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <erin@dest.test>:
            192.0.2.1 does not like recipient.
            Remote host said: 550 Unknown user erin@dest.test
            Giving up on 192.0.2.1.

            --- Below this line is a copy of the message.
            """);

        Assert.Equal(BounceReason.UserUnknown, Single(result).Reason);
    }

    [Fact]
    public void Directory_lookup_wording_is_an_address_verdict_without_a_command()
    {
        var fay = Single(Classify(Report(
            "Delivery has failed to these recipients or groups.",
            "Final-Recipient: rfc822; fay@dest.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 5.4.1 Recipient address rejected: RESOLVER.ADR.RecipientNotFound")));

        Assert.Equal(BounceReason.UserUnknown, fay.Reason);
    }

    [Fact]
    public void Diagnostic_code_before_the_recipient_field_is_read()
    {
        var gus = Single(Classify(Report(
            "Your message could not be delivered.",
            "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\nStatus: 5.2.2\nFinal-Recipient: rfc822; gus@dest.test\nAction: failed")));

        Assert.Equal(BounceReason.MailboxFull, gus.Reason);
        Assert.Equal("552 5.2.2 Mailbox full", gus.Diagnostic);
    }

    [Fact]
    public void Generic_refusal_after_ehlo_is_blocked()
    {
        var hal = Single(Classify(Report(
            "hal@dest.test\n    host mx.dest.test [192.0.2.1]\n    SMTP error from remote mail server after EHLO relay.sender.test:\n    550 Rejected",
            "Final-Recipient: rfc822; hal@dest.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 Rejected")));

        Assert.Equal(BounceReason.Blocked, hal.Reason);
    }

    [Theory]
    [InlineData("550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. LPN007_416", BounceReason.UserUnknown)]
    [InlineData("550 5.2.0 Mail rejete. Mail rejected. ofr_506 [506]", BounceReason.SpamDetected)]
    [InlineData("550 5.1.0 <alice@sender.test> sender rejected. AUP#CDRBL", BounceReason.Blocked)]
    public void Provider_codes_with_documented_meanings(string diagnostic, BounceReason expected)
    {
        var ivy = Single(Classify(Report(
            "Your message could not be delivered.",
            $"Final-Recipient: rfc822; ivy@dest.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; {diagnostic}")));

        Assert.Equal(expected, ivy.Reason);
    }

    [Fact]
    public void Virus_scanner_headers_in_a_quoted_copy_are_not_a_virus_verdict()
    {
        var jan = Single(Classify(Report(
            "> X-Virus-Scanned: ClamAV\n> X-Virus-Status: Clean",
            "Final-Recipient: rfc822; jan@dest.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <jan@dest.test>... User unknown")));

        Assert.Equal(BounceReason.UserUnknown, jan.Reason);
    }

    [Fact]
    public void Missing_tls_support_is_a_starttls_failure()
    {
        var kim = Single(Classify(Report(
            "Delivery failed.",
            "Final-Recipient: rfc822; kim@dest.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 500 Remote server does not support TLS")));

        Assert.Equal(BounceReason.FailedStartTls, kim.Reason);
    }
}

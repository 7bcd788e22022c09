using System.Text;
using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>
/// Recipient fields that are not plain mailboxes, provider conventions, and the phrase families added for
/// directory failures, URI blocklists, reputation deferrals and routing failures. Hand-written samples.
/// </summary>
public sealed class RecipientAndPhraseRuleTests
{
    private static string Dsn(string recipientFields, string headers = "") => $"""
        From: Mail Delivery System <MAILER-DAEMON@relay.sender.test>
        To: alice@sender.test
        Subject: Delivery Status Notification (Failure)
        {headers}MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

        --b1
        Content-Type: text/plain

        Your message could not be delivered to some recipients.

        --b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; relay.sender.test

        {recipientFields}

        --b1--
        """;

    [Fact]
    public void Exim_pipe_recipient_reports_the_address_inside_the_command()
    {
        var result = Classify(Dsn("""
            Action: failed
            Final-Recipient: rfc822;|/usr/local/bin/autoresponder dave@dest.test /home/dave/.responder
            Status: 5.0.0
            """));

        var dave = Single(result);
        Assert.Equal("dave@dest.test", dave.Recipient);
    }

    [Fact]
    public void Source_routed_final_recipient_falls_back_to_the_original_recipient()
    {
        var result = Classify(Dsn("""
            Original-Recipient: rfc822;erin@dest.test
            Final-Recipient: rfc822;@mx.dest.test:erin@mailhost
            Action: failed
            Status: 5.2.2
            Diagnostic-Code: smtp; 552 5.2.2 Mailbox quota exceeded
            """));

        var erin = Single(result);
        Assert.Equal("erin@dest.test", erin.Recipient);
        Assert.Equal(BounceReason.MailboxFull, erin.Reason);
    }

    [Fact]
    public void Route_without_a_mailbox_is_replaced_by_the_failed_recipients_header()
    {
        var result = Classify(Dsn("""
            Final-Recipient: rfc822; @mx.dest.test
            Action: failed
            Status: 5.1.2
            Diagnostic-Code: smtp; 550 5.1.2 Host unknown (Name server: no data known)
            """, "X-Failed-Recipients: frank@dest.test\n"));

        var frank = Single(result);
        Assert.Equal("frank@dest.test", frank.Recipient);
        Assert.Equal(BounceReason.HostUnknown, frank.Reason);
        Assert.True(frank.HardBounce);
    }

    [Fact]
    public void Google_groups_refusal_names_the_group_from_x_failed_recipients()
    {
        // The notice greets the poster by address; the failed recipient is the group the header lists.
        var result = Classify("""
            From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
            To: poster@sender.test
            Subject: Delivery Status Notification (Failure)
            Auto-Submitted: auto-replied
            X-Failed-Recipients: team-list@googlegroups.com
            Content-Type: text/plain; charset="UTF-8"

            Hello poster@sender.test,
            We're writing to let you know that the group you tried to contact (team-list) may not exist,
            or you may not have permission to post messages to the group.
            """);

        var group = Single(result);
        Assert.Equal("team-list@googlegroups.com", group.Recipient);
        Assert.Equal(BounceReason.Rejected, group.Reason);
        Assert.False(group.HardBounce);
    }

    [Fact]
    public void Exim_unrouteable_address_is_a_routing_failure_of_the_domain()
    {
        var result = Classify("""
            From: Mail Delivery System <Mailer-Daemon@hub.sender.test>
            To: alice@sender.test
            Subject: Mail delivery failed: returning message to sender

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              gina@no-such-domain.test
                Unrouteable address
            """);

        var gina = Single(result);
        Assert.Equal(BounceReason.HostUnknown, gina.Reason);
        Assert.True(gina.HardBounce);
    }

    [Fact]
    public void Domain_named_as_not_existing_is_host_unknown_not_user_unknown()
    {
        var result = Classify(Dsn("""
            Final-Recipient: rfc822; hank@dest.test
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: smtp; 553 mail.dest.test does not exist
            """));

        Assert.Equal(BounceReason.HostUnknown, Single(result).Reason);
    }

    [Fact]
    public void Directory_lookup_failure_is_a_system_error_even_when_the_queue_gave_up()
    {
        var result = Classify("""
            From: MAILER-DAEMON@mx.sender.test
            To: alice@sender.test
            Subject: failure notice

            Hi. This is the qmail-send program at mx.sender.test.
            I'm afraid I wasn't able to deliver your message to the following addresses.

            <ivan@dest.test>:
            Unable to contact LDAP server. (#4.4.3)
            I'm not going to try again; this message has been in the queue too long.
            """);

        Assert.Equal(BounceReason.SystemError, Single(result).Reason);
    }

    [Fact]
    public void Blocklisted_link_in_the_body_is_a_spam_verdict_not_an_ip_block()
    {
        var result = Classify(Dsn("""
            Final-Recipient: rfc822; judy@dest.test
            Action: failed
            Status: 5.7.1
            Diagnostic-Code: smtp; 550 REJECTED - Blacklisted URL in message (example.test) in [black]
            """));

        Assert.Equal(BounceReason.SpamDetected, Single(result).Reason);
    }

    [Fact]
    public void Complaint_rate_deferral_is_bad_reputation()
    {
        var result = Classify(Dsn("""
            Final-Recipient: rfc822; kim@dest.test
            Action: delayed
            Status: 4.7.0
            Diagnostic-Code: smtp; 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints
            """));

        var kim = Single(result);
        Assert.Equal(BounceReason.BadReputation, kim.Reason);
        Assert.False(kim.HardBounce);
    }

    [Fact]
    public void A_mention_of_rfc822_is_not_an_rfc_compliance_verdict()
    {
        var result = Classify(Dsn("""
            Original-Recipient: rfc822;leo@dest.test
            Final-Recipient: rfc822; leo@dest.test
            Action: failed
            Status: 5.1.1
            Diagnostic-Code: smtp; 550 5.1.1 <leo@dest.test>... User unknown
            """));

        Assert.Equal(BounceReason.UserUnknown, Single(result).Reason);
    }

    [Fact]
    public void Legacy_charset_report_text_is_decoded()
    {
        // ISO-8859-15 needs the code-page provider; the quoted-printable body must be decoded before matching.
        var body = "Le message n'a pas pu =EAtre remis =E0 <marc@dest.test>:\n550 5.2.2 Mailbox full =A4\n";
        var result = Classify($"""
            From: MAILER-DAEMON@relay.sender.test
            To: alice@sender.test
            Subject: Undeliverable mail
            Content-Type: text/plain; charset=iso-8859-15
            Content-Transfer-Encoding: quoted-printable

            {body}
            """);

        var marc = Single(result);
        Assert.Equal("marc@dest.test", marc.Recipient);
        Assert.Equal(BounceReason.MailboxFull, marc.Reason);
        Assert.Contains("€", marc.Diagnostic);
    }

    [Fact]
    public void Base64_report_text_is_decoded()
    {
        var text = "Delivery to the following recipient failed permanently:\n\n     nina@dest.test\n\n550 5.1.1 The email account that you tried to reach does not exist.\n";
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(text), Base64FormattingOptions.InsertLineBreaks);
        var result = Classify($"""
            From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
            To: alice@sender.test
            Subject: Delivery Status Notification (Failure)
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: base64

            {encoded}
            """);

        var nina = Single(result);
        Assert.Equal("nina@dest.test", nina.Recipient);
        Assert.Equal(BounceReason.UserUnknown, nina.Reason);
    }

    [Theory]
    [InlineData("Delivery failed for <ola@dest.test>: user unknown", "ola@dest.test")]
    [InlineData("mailbox user+tag@dest.test, quota exceeded", "user+tag@dest.test")]
    [InlineData("route @relay.test:quinn@dest.test.", "quinn@dest.test")]
    [InlineData("no address here: postmaster@localhost", null)]
    [InlineData("trailing dot user@dest.", null)]
    public void Address_finder_picks_plausible_mailboxes(string text, string? expected)
    {
        var found = Addresses.TryFind(text, 0, out var index, out var length) ? text.Substring(index, length) : null;
        Assert.Equal(expected, found);
    }

    [Theory]
    [InlineData("@mx.dest.test:rob@dest.test", "rob@dest.test")]
    [InlineData("|/usr/bin/prog sam@dest.test /tmp/x", "sam@dest.test")]
    [InlineData("tom@dest.test", "tom@dest.test")]
    public void Recipient_field_is_read_as_a_mailbox(string field, string expected) =>
        Assert.Equal(expected, Addresses.Mailbox(field));

    [Theory]
    // The refusal must be known to answer RCPT TO: the same words with no command named are a filter's (see SmtpStageRuleTests).
    [InlineData("550 5.4.1 <uma@dest.test>: Recipient address rejected: Access denied [XYZ.prod.protection.outlook.com] (in reply to RCPT TO command)", BounceReason.UserUnknown)]
    [InlineData("551 5.7.1 <vic@dest.test>: Recipient address rejected: Delivery not authorized", BounceReason.SecurityError)]
    [InlineData("554 5.7.1 <wes@dest.test>: Recipient address rejected: Message refused under local policy", BounceReason.PolicyViolation)]
    public void Postfix_recipient_restriction_prefix_defers_to_the_stated_cause(string diagnostic, BounceReason expected)
    {
        var result = Classify(Dsn($"""
            Final-Recipient: rfc822; someone@dest.test
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: smtp; {diagnostic}
            """));

        Assert.Equal(expected, Single(result).Reason);
    }

    [Theory]
    [InlineData("550 5.1.1 <a@b.test>: Recipient address rejected: User unknown in virtual mailbox table")]
    [InlineData("552 5.2.2 mailbox full; the message was rejected because it would exceed the quota. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit.")]
    [InlineData("Connection refused by mx.dest.test; the host is blacklisted at zen.spamhaus.org. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.")]
    [InlineData("This text names no cause at all, only that something happened to a message on its way somewhere.")]
    [InlineData("421 4.3.2 The maximum connections for this host have been reached; the recipient has elected not to take more mail today and mx.dest.test didn't respond in time. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.")]
    public void Anchored_phrase_matching_equals_running_every_pattern(string text)
    {
        foreach (var weak in new[] { false, true })
        {
            var anchored = weak ? PhraseRules.MatchWeak(text) : PhraseRules.Match(text);
            Assert.Equal(PhraseRules.MatchExhaustive(text, weak), anchored);
        }
    }

    [Fact]
    public void Forwarded_bounce_is_read_from_the_attached_report()
    {
        var result = Classify("""
            From: helpdesk@sender.test
            To: alice@sender.test
            Subject: Fwd: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="outer"

            --outer
            Content-Type: text/plain

            Could you check this one? Mail to our partner keeps failing. -- helpdesk@sender.test

            --outer
            Content-Type: message/rfc822

            From: MAILER-DAEMON@relay.sender.test
            To: helpdesk@sender.test
            Subject: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="inner"

            --inner
            Content-Type: text/plain

            Delivery failed.

            --inner
            Content-Type: message/delivery-status

            Reporting-MTA: dns; relay.sender.test

            Final-Recipient: rfc822; pia@partner.test
            Action: failed
            Status: 5.1.1
            Diagnostic-Code: smtp; 550 5.1.1 <pia@partner.test>: User unknown

            --inner--

            --outer--
            """);

        var pia = Single(result);
        Assert.Equal("pia@partner.test", pia.Recipient);
        Assert.Equal(BounceReason.UserUnknown, pia.Reason);
    }

    [Fact]
    public void User_unknown_wording_under_a_policy_status_is_a_filter_verdict()
    {
        var result = Classify(Dsn("""
            Final-Recipient: rfc822; quentin@dest.test
            Action: failed
            Status: 5.7.1
            Diagnostic-Code: smtp; 550 5.7.1 User Unknown: quentin@dest.test
            """));

        var quentin = Single(result);
        Assert.Equal(BounceReason.Filtered, quentin.Reason);
        Assert.False(quentin.HardBounce);
    }

    [Fact]
    public void Exim_malformed_address_names_the_bracketed_address()
    {
        var result = Classify("""
            From: Mail Delivery System <Mailer-Daemon@hub.sender.test>
            To: alice@sender.test
            Subject: Mail failure - malformed recipient address

            A message that you sent contained one or more recipient addresses that were
            incorrectly constructed:

              ray@dest.test <sue@dest.test>: malformed address: <sue@dest.test> may not follow ray@dest.test

            This address has been ignored.
            """);

        var sue = Single(result);
        Assert.Equal("sue@dest.test", sue.Recipient);
        Assert.Equal(BounceReason.SyntaxError, sue.Reason);
    }

    [Fact]
    public void Report_naming_nobody_takes_the_recipient_from_the_inline_original()
    {
        var result = Classify("""
            From: MMSC NDR Administrator <sysadmin@mms.carrier.test>
            To: alice@sender.test
            Subject: Undeliverable Message

            Message could not be delivered to mobile.
            Error: No valid recipients for this MM
            Original Message:
            From: Alice <alice@sender.test>
            To: 5550100@mms.carrier.test
            Subject: hi

            body text mentioning someone@else.test
            """);

        var phone = Single(result);
        Assert.Equal("5550100@mms.carrier.test", phone.Recipient);
        Assert.Equal(BounceReason.UserUnknown, phone.Reason);
    }

    [Fact]
    public void Exim_alias_origin_line_is_not_a_second_recipient()
    {
        var result = Classify("""
            From: Mail Delivery System <Mailer-Daemon@hub.sender.test>
            To: alice@sender.test
            Subject: Mail delivery failed: returning message to sender

            This message was created automatically by mail delivery software.

            A message sent by

              <alice@sender.test>

            could not be delivered to one or more of its recipients. The following
            address(es) failed:

              tina@dest.test
                (ultimately generated from team@sender.test)
                all hosts have been failing for a long time and were last tried after this message arrived
            """);

        var tina = Single(result);
        Assert.Equal("tina@dest.test", tina.Recipient);
        Assert.Equal(BounceReason.Expired, tina.Reason);
    }
}

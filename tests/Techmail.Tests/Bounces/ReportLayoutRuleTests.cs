using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>
/// Report layouts and wordings read by later rules: unsubscribe requests, program recipients, reasons printed above
/// the address, Sendmail transcripts with several recipients, relays quoting the remote reply. Hand-written samples.
/// </summary>
public sealed class ReportLayoutRuleTests
{
    [Fact]
    public void Mail_client_unsubscribe_request_is_feedback_not_a_vacation()
    {
        var result = Classify("""
            From: judy@dest.test
            To: opt-out-42@sender.test
            Subject: unsubscribe
            Auto-Submitted: auto-replied
            X-Apple-Unsubscribe: true

            Apple Mail sent this email to unsubscribe from the message "Weekly news".
            """);

        var judy = Single(result);
        Assert.Equal("judy@dest.test", judy.Recipient);
        Assert.Equal(BounceReason.Feedback, judy.Reason);
        Assert.Null(judy.HardBounce);
    }

    [Fact]
    public void Automatic_bare_unsubscribe_command_is_feedback()
    {
        var judy = Single(Classify("""
            From: judy@dest.test
            To: list-request@sender.test
            Subject: Unsubscribe
            Auto-Submitted: auto-generated

            """));

        Assert.Equal(BounceReason.Feedback, judy.Reason);
    }

    [Fact]
    public void A_mail_client_s_plain_unsubscribe_with_an_empty_body_is_feedback_but_a_reply_about_it_is_not()
    {
        var judy = Single(Classify("""
            From: judy@dest.test
            To: bounces+m1-2-1-abcdefghijklm@sender.test
            Subject: unsubscribe

            """));
        Assert.Equal("judy@dest.test", judy.Recipient);
        Assert.Equal(BounceReason.Feedback, judy.Reason);
        Assert.Equal("opt-out", judy.Diagnostic);

        Assert.False(Classify("""
            From: judy@dest.test
            To: bounces@sender.test
            Subject: Re: unsubscribe

            I did not ask to be unsubscribed.
            """).IsBounce);
    }

    [Fact]
    public void A_program_recipient_s_command_line_is_not_a_diagnosis()
    {
        var kim = Single(Classify("""
            From: Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.test>
            To: alice@sender.test
            Subject: Returned mail: Service unavailable
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

               ----- The following addresses had permanent fatal errors -----
            "|exec /usr/bin/procmail -f- || exit 75 #kim"
                (expanded from: <kim@dest.test>)

               ----- Transcript of session follows -----
            554 "|exec /usr/bin/procmail -f- || exit 75 #kim"... Service unavailable

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.dest.test

            Final-Recipient: RFC822; kim@dest.test
            X-Actual-Recipient: RFC822; |exec /usr/bin/procmail -f- || exit 75 #kim@dest.test
            Action: failed
            Status: 5.5.0

            --b1--
            """));

        Assert.Equal("kim@dest.test", kim.Recipient);
        Assert.Equal(BounceReason.SystemError, kim.Reason);
    }

    [Fact]
    public void Sendmail_transcript_sessions_belong_to_their_own_recipients()
    {
        var result = Classify("""
            From: Mail Delivery Subsystem <MAILER-DAEMON@relay.sender.test>
            To: alice@sender.test
            Subject: Returned mail: Host unknown

               ----- Transcript of session follows -----
            421 one.test (smtp)... Deferred: Connection reset by peer during result wait with one.test
            554 <lee@one.test>... Remote protocol error: Connection reset by peer during result wait with one.test
            550 two.test (smtp)... 550 Host unknown
            554 <max@two.test>... 550 Host unknown (Authoritative answer from name server)
            While talking to three.test:
            >>> QUIT
            <<< 421 three.test Sorry, unable to contact destination SMTP daemon.
            421 three.test (smtp)... Deferred: Connection reset by peer during greeting wait with three.test

               ----- Unsent message follows -----
            From: alice@sender.test
            Subject: Hello

            Hi
            """);

        Assert.Equal(2, result.Recipients.Count);
        var lee = result.Recipients.Single(r => r.Recipient == "lee@one.test");
        var max = result.Recipients.Single(r => r.Recipient == "max@two.test");
        Assert.Equal(BounceReason.NetworkError, lee.Reason);
        Assert.False(lee.HardBounce);
        Assert.Equal(BounceReason.HostUnknown, max.Reason);
    }

    [Fact]
    public void List_loop_guard_names_the_list_address_and_is_a_system_error()
    {
        var list = Single(Classify("""
            From: team-admin@lists.dest.test
            To: team-admin@lists.dest.test
            Subject: Loop Alert: Duplicated Message-ID (team ML)

            Duplicated Message-ID in <team@lists.dest.test>.

            Original mail as follows:

               From: <alice@sender.test>
               Message-ID: <abc.123@sender.test>
            """));

        Assert.Equal("team@lists.dest.test", list.Recipient);
        Assert.Equal(BounceReason.SystemError, list.Reason);
        Assert.False(list.HardBounce);
    }

    [Fact]
    public void A_message_id_label_still_hides_its_value()
    {
        var result = Classify("""
            From: Mail Delivery System <MAILER-DAEMON@mx.dest.test>
            To: alice@sender.test
            Subject: Undelivered Mail

            Message-ID: <abc.123@sender.test>
            <nina@dest.test>: mailbox is full
            """);

        Assert.Equal("nina@dest.test", Single(result).Recipient);
    }

    [Fact]
    public void Post_master_spelled_with_a_separator_is_a_mail_system_sender()
    {
        var result = Classify("""
            From: post_master@gw.dest.test
            To: alice@sender.test
            Subject: Re: Hello

            Error: Invalid user address

            Message details:
              RCPT TO: omar@gw.dest.test
            """);

        Assert.Equal("omar@gw.dest.test", Single(result).Recipient);
    }

    private static string Dsn(string recipient, string status, string diagnostic) => $"""
        From: Mail Delivery System <MAILER-DAEMON@relay.sender.test>
        To: alice@sender.test
        Subject: Delivery Status Notification (Failure)
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

        --b1
        Content-Type: text/plain

        The message to <{recipient}> was undeliverable.

        --b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; relay.sender.test

        Final-Recipient: rfc822; {recipient}
        Action: failed
        Status: {status}
        Diagnostic-Code: smtp; {diagnostic}

        --b1--
        """;

    [Fact]
    public void A_relay_s_wrapper_gives_way_to_the_quoted_remote_reply()
    {
        var pat = Single(Classify(Dsn("pat@dest.test", "5.0.0",
            "5.1.0 - Unknown address error 550-'5.7.1 <bounce-1@relay.sender.test>... Access denied' (delivery attempts: 0)")));

        Assert.Equal("5.7.1", pat.Status);
        Assert.Equal(BounceReason.SecurityError, pat.Reason);
        Assert.False(pat.HardBounce);
    }

    [Fact]
    public void Access_denied_at_mail_from_stays_a_sender_rejection()
    {
        var pat = Single(Classify(Dsn("pat@dest.test", "5.7.1",
            "550 5.7.1 Access denied (in reply to MAIL FROM command)")));

        Assert.Equal(BounceReason.Rejected, pat.Reason);
    }

    [Fact]
    public void Reason_printed_above_the_address_is_its_diagnostic()
    {
        var quinn = Single(Classify("""
            From: postmaster@notes.dest.test
            To: alice@sender.test
            Subject: Undeliverable message

            ------- Failure Reasons  --------

            Mailbox quota exceeded
            quinn@notes.dest.test

            ------- Returned Message --------
            From: alice@sender.test
            Subject: Hello
            """));

        Assert.Equal(BounceReason.MailboxFull, quinn.Reason);
    }

    [Fact]
    public void A_list_introduction_above_the_address_is_not_a_reason()
    {
        var quinn = Single(Classify("""
            From: Mail Delivery System <MAILER-DAEMON@mx.dest.test>
            To: alice@sender.test
            Subject: Delivery status notification

            Delivery to the following recipients failed permanently:
               * quinn@dest.test
            """));

        Assert.Equal(BounceReason.Undefined, quinn.Reason);
    }
}

using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>
/// Reports sent when the sending MTA's queue gave up: the cause the report keeps (a receiving system short of storage)
/// wins over the expiry wording, and a connection that was never answered is an expiry, never a block. Hand-written
/// samples in the shapes Postfix, Exim and Sendmail write.
/// </summary>
public sealed class QueueExpiryRuleTests
{
    private static string Dsn(string diagnostic, string status, string human, string diagnosticType = "smtp") =>
        BounceSamples.Dsn(human, $"Final-Recipient: rfc822; rita@dest.test\nAction: failed\nStatus: {status}\nDiagnostic-Code: {diagnosticType}; {diagnostic}");

    private const string EximRetryTimeout = """
        From: Mail Delivery System <Mailer-Daemon@relay.sender.test>
        To: alice@sender.test
        Subject: Mail delivery failed: returning message to sender
        Auto-Submitted: auto-replied
        X-Failed-Recipients: rita@dest.test

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          rita@dest.test
            host mx.dest.test [192.0.2.20]
            SMTP error from remote mail server after MAIL FROM:<alice@sender.test> SIZE=1234:
            452 Space shortage, please try later: retry timeout exceeded

        ------ This is a copy of the message, including all the headers. ------

        From: alice@sender.test
        To: rita@dest.test
        Subject: Quarterly figures

        Figures attached.
        """;

    [Theory]
    // Postfix relaying a receiving Postfix's "insufficient system storage" (RFC 5321's 452, RFC 3463's X.3.1), given up.
    [InlineData("452 4.3.1 Insufficient system storage: retry timeout exceeded", "5.0.0")]
    [InlineData("452 4.3.1 Insufficient system storage", "4.3.1")]
    // A receiving Exim whose spool is under check_spool_space answers "452 Space shortage, please try later".
    [InlineData("452 Space shortage, please try later", "4.0.0")]
    public void A_receiving_system_short_of_storage_is_system_full_even_after_the_queue_gave_up(string diagnostic, string status)
    {
        var rita = Single(Classify(Dsn(diagnostic, status, "The message could not be delivered within the queue lifetime.")));

        Assert.Equal(BounceReason.SystemFull, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Fact]
    public void Exims_space_shortage_at_mail_from_is_system_full_not_a_refused_sender()
    {
        // Refused at MAIL FROM, but for the receiving system's storage, not for who the sender is.
        var rita = Single(Classify(EximRetryTimeout));

        Assert.Equal(BounceReason.SystemFull, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Fact]
    public void Postfixs_refused_connection_reported_as_no_answer_from_host_is_expired()
    {
        // Postfix retried a port nothing listened on until maximal_queue_lifetime, then failed it with 4.4.1.
        var rita = Single(Classify(Dsn(
            "connect to mx.dest.test[192.0.2.20]:25: Connection refused", "4.4.1",
            "<rita@dest.test>: connect to mx.dest.test[192.0.2.20]:25: Connection refused", "X-Postfix")));

        Assert.Equal(BounceReason.Expired, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Fact]
    public void Sendmails_refused_connection_is_a_network_failure_not_a_block()
    {
        // Sendmail's words for ECONNREFUSED; no SMTP server answered, so nobody judged the sending host.
        const string sendmail = """
            From: Mail Delivery Subsystem <MAILER-DAEMON@relay.sender.test>
            To: alice@sender.test
            Subject: Returned mail: see transcript for details
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="sm1"

            --sm1

               ----- The following addresses had permanent fatal errors -----
            <rita@dest.test>

               ----- Transcript of session follows -----
            <rita@dest.test>... Deferred: Connection refused by mx.dest.test.
            Message could not be delivered for 5 days
            Message will be deleted from queue

            --sm1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; relay.sender.test

            Final-Recipient: RFC822; rita@dest.test
            Action: failed
            Status: 4.4.7

            --sm1--
            """;
        var rita = Single(Classify(sendmail));

        Assert.Equal(BounceReason.NetworkError, rita.Reason);
        Assert.False(rita.HardBounce);
    }

    [Fact]
    public void A_server_that_answers_and_refuses_the_connection_is_still_blocked()
    {
        // An SMTP reply is a server's verdict on the connecting host, unlike the socket error above.
        var rita = Single(Classify(Dsn(
            "554 5.7.1 Connection refused: your IP 192.0.2.10 is listed", "5.7.1",
            "<rita@dest.test>: host mx.dest.test[192.0.2.20] refused to talk to me: 554 5.7.1 Connection refused")));

        Assert.Equal(BounceReason.Blocked, rita.Reason);
    }
}

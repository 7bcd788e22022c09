using MailKit.Net.Smtp;
using MimeKit;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>Retry, give up, fail or hold: the outbox's decisions on a clock the test moves.</summary>
public sealed class OutboxPolicyTests
{
    private static readonly DateTimeOffset Queued = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly OutboxPolicy _policy = new();

    [Fact]
    public void A_5xx_reply_fails_at_once_with_the_servers_words_and_the_recipient()
    {
        var refusal = Smtp(550, "5.1.1 <nobody@example.net>: user unknown", SmtpErrorCode.RecipientNotAccepted, "nobody@example.net");

        var decision = _policy.Decide(refusal, attempts: 1, Queued, Queued);

        Assert.Equal(SendAction.Fail, decision.Action);
        Assert.Equal("SMTP relay 127.0.0.1:25 refused recipient nobody@example.net: 550 5.1.1 <nobody@example.net>: user unknown", decision.Reason);
    }

    [Fact]
    public void A_4xx_reply_retries_after_1_2_4_minutes_capped_at_an_hour_without_pausing_other_mail()
    {
        var clock = new ManualClock(Queued);
        var waits = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var decision = _policy.Decide(Smtp(451, "4.7.1 greylisted"), attempt, Queued, clock.GetUtcNow());
            Assert.Equal(SendAction.Retry, decision.Action);
            Assert.False(decision.RelayDown);
            waits.Add(decision.RetryAt!.Value - clock.GetUtcNow());
            clock.Advance(waits[^1]);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], waits.Select(w => w.TotalMinutes));
    }

    [Fact]
    public void A_dead_relay_or_a_cut_handshake_retries_and_pauses_the_whole_outbox()
    {
        var refused = MailSender.Translate(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused), "SMTP relay 127.0.0.1:2525", null);
        var handshake = MailSender.Translate(new MailKit.Security.SslHandshakeException("the server closed the connection"), "SMTP relay 127.0.0.1:2525", null);

        foreach (var failure in new[] { refused, handshake })
        {
            var decision = _policy.Decide(failure, 1, Queued, Queued);
            Assert.Equal((SendAction.Retry, true), (decision.Action, decision.RelayDown));
            Assert.Equal(Queued.AddMinutes(1), decision.RetryAt);
        }
    }

    [Fact]
    public void Retries_end_24_hours_after_queueing_with_the_count_and_the_last_error()
    {
        var clock = new ManualClock(Queued);
        var attempt = 0;
        SendDecision decision;
        DateTimeOffset lastTry;
        do
        {
            attempt++;
            lastTry = clock.GetUtcNow();
            decision = _policy.Decide(Smtp(421, "4.3.2 try later"), attempt, Queued, lastTry);
            if (decision.RetryAt is { } at)
            {
                clock.Advance(at - clock.GetUtcNow());
            }
        }
        while (decision.Action == SendAction.Retry);

        Assert.Equal(SendAction.Fail, decision.Action);
        // The last try falls on the deadline itself instead of being skipped for a backoff that overshoots it.
        Assert.Equal(Queued.AddHours(24), lastTry);
        Assert.Equal($"gave up after {attempt} attempts over 24 h: SMTP relay 127.0.0.1:25 refused: 421 4.3.2 try later", decision.Reason);
        Assert.InRange(attempt, 25, 35);
    }

    [Fact]
    public void The_attempt_backstop_gives_up_before_the_24_hours()
    {
        var policy = new OutboxPolicy { MaxAttempts = 3 };

        Assert.Equal(SendAction.Retry, policy.Decide(Smtp(451, "later"), 2, Queued, Queued.AddMinutes(3)).Action);
        var decision = policy.Decide(Smtp(451, "later"), 3, Queued, Queued.AddMinutes(7));

        Assert.Equal(SendAction.Fail, decision.Action);
        Assert.StartsWith("gave up after 3 attempts over 7 min:", decision.Reason);
    }

    [Fact]
    public void A_refused_login_or_an_untrusted_certificate_holds_the_outbox_instead_of_failing_mail()
    {
        var login = new MailFetchException(MailFetchFailure.Authentication, "SMTP relay 127.0.0.1:25: authentication failed (535 5.7.8 bad credentials)");
        var certificate = MailSender.Translate(new MailKit.Security.SslHandshakeException("x"), "SMTP relay smtp.example.com:465", "the certificate has expired");

        foreach (var failure in new[] { login, certificate })
        {
            var decision = _policy.Decide(failure, 40, Queued, Queued.AddHours(30));
            Assert.Equal(SendAction.Hold, decision.Action);
            Assert.Equal(Queued.AddHours(31), decision.RetryAt);
            Assert.Equal(failure.Message, decision.Reason);
        }

        Assert.Contains("the certificate has expired", certificate.Message);
    }

    [Theory]
    [InlineData(421, MailFetchFailure.Transient, false)]
    [InlineData(451, MailFetchFailure.Transient, false)]
    [InlineData(452, MailFetchFailure.Transient, false)]
    [InlineData(550, MailFetchFailure.Protocol, true)]
    [InlineData(554, MailFetchFailure.Protocol, true)]
    public void Smtp_replies_keep_their_code_and_say_whether_they_are_final(int code, MailFetchFailure failure, bool permanent)
    {
        var translated = Smtp(code, "text");

        Assert.Equal((code, failure, permanent), (translated.SmtpReply!.Value, translated.Failure, translated.IsPermanentSmtpRefusal));
    }

    private static MailFetchException Smtp(int code, string text, SmtpErrorCode error = SmtpErrorCode.MessageNotAccepted, string? recipient = null) =>
        MailSender.Translate(
            recipient is null
                ? new SmtpCommandException(error, (SmtpStatusCode)code, text)
                : new SmtpCommandException(error, (SmtpStatusCode)code, MailboxAddress.Parse(recipient), text),
            "SMTP relay 127.0.0.1:25",
            null);
}

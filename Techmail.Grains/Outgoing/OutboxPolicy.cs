using System.Globalization;
using Techmail.Polling;

namespace Techmail.Outgoing;

public enum SendAction
{
    /// <summary>Try this mail again at <see cref="SendDecision.RetryAt"/>.</summary>
    Retry,
    /// <summary>The mail is refused for good; record the reason and move on.</summary>
    Fail,
    /// <summary>The mailbox's relay settings are at fault, not the mail: keep everything queued and stop sending.</summary>
    Hold,
}

/// <param name="RelayDown">The relay could not be talked to at all: later mail would fail the same way, so the drain stops.</param>
public sealed record SendDecision(SendAction Action, DateTimeOffset? RetryAt, string Reason, bool RelayDown = false);

/// <summary>
/// What to do after a failed send. A 5xx reply fails the mail at once with the server's words; a 4xx reply or a
/// connection, timeout or handshake failure retries after 1, 2, 4 ... minutes (capped at an hour), the last
/// try falling 24 hours after queueing, or after <see cref="MaxAttempts"/> tries. A refused login or
/// an untrusted certificate holds the whole outbox: every mail would meet the same refusal, and failing them
/// would lose them for a typo in the settings.
/// </summary>
public sealed record OutboxPolicy
{
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromHours(24);

    /// <summary>A backstop; with the default times the 24 hours run out first (about 30 tries).</summary>
    public int MaxAttempts { get; init; } = 50;

    /// <summary>How long a held outbox waits before trying its relay again, when the settings did not change meanwhile.</summary>
    public TimeSpan HoldRecheck { get; init; } = TimeSpan.FromHours(1);

    /// <param name="attempts">Tries of this mail including the one that just failed.</param>
    /// <param name="queued">When the mail was queued.</param>
    public SendDecision Decide(MailFetchException failure, int attempts, DateTimeOffset queued, DateTimeOffset now)
    {
        if (failure.IsPermanentSmtpRefusal)
        {
            return new SendDecision(SendAction.Fail, null, failure.Message);
        }

        if (failure.Failure is MailFetchFailure.Authentication or MailFetchFailure.Certificate)
        {
            return new SendDecision(SendAction.Hold, now + HoldRecheck, failure.Message, RelayDown: true);
        }

        var deadline = queued + GiveUpAfter;
        if (attempts >= MaxAttempts || now >= deadline)
        {
            return new SendDecision(SendAction.Fail, null, $"gave up after {attempts} attempts over {Describe(now - queued)}: {failure.Message}");
        }

        // The last try falls exactly on the deadline rather than being skipped for a backoff that overshoots it.
        var at = now + Delay(attempts) < deadline ? now + Delay(attempts) : deadline;

        // An SMTP reply means the relay is up and answered for this mail only (greylisting, a full mailbox).
        return new SendDecision(SendAction.Retry, at, failure.Message, RelayDown: failure.SmtpReply is null);
    }

    /// <summary>The wait after the n-th failed try: FirstRetry doubled n-1 times, at most MaxRetry.</summary>
    public TimeSpan Delay(int attempts)
    {
        var doublings = Math.Clamp(attempts - 1, 0, 30);
        var ticks = FirstRetry.Ticks * Math.Pow(2, doublings);
        return ticks >= MaxRetry.Ticks ? MaxRetry : TimeSpan.FromTicks((long)ticks);
    }

    private static string Describe(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{Math.Round(t.TotalHours).ToString(CultureInfo.InvariantCulture)} h"
        : t.TotalMinutes >= 1 ? $"{Math.Round(t.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min"
        : $"{Math.Round(t.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s";
}

namespace Techmail.Polling;

/// <summary>
/// How long a failing mailbox waits before its next poll. A refused password backs off from the first
/// failure (logging in every interval can lock the account); anything else gets two more tries at the
/// normal interval, since most outages are short, and then waits 2, 4, 8 ... intervals, at most an hour
/// (or one interval, when that is longer), until a poll succeeds.
/// </summary>
public static class FailureBackoff
{
    public static readonly TimeSpan Ceiling = TimeSpan.FromHours(1);
    private const int FreeRetries = 2;

    /// <returns>When the next poll may run, or null to poll at the normal interval.</returns>
    public static DateTimeOffset? Until(DateTimeOffset now, TimeSpan interval, int consecutiveFailures, MailFetchFailure? failure)
    {
        if (consecutiveFailures <= 0 || failure is null)
        {
            return null;
        }

        // Authentication: 1, 2, 4 ... intervals from the first failure. Others: 2, 4, 8 ... from the third.
        var doublings = failure == MailFetchFailure.Authentication ? consecutiveFailures - 1 : consecutiveFailures - FreeRetries;
        if (failure != MailFetchFailure.Authentication && consecutiveFailures <= FreeRetries)
        {
            return null;
        }

        var cap = interval > Ceiling ? interval : Ceiling;
        var wait = TimeSpan.FromTicks(Math.Min(cap.Ticks, interval.Ticks * (1L << Math.Min(doublings, 16))));
        // A second short, so the tick that falls exactly at the end of the wait is not skipped too.
        return now + wait - TimeSpan.FromSeconds(1);
    }
}

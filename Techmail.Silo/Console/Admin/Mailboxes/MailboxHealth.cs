using System.Globalization;
using Techmail.Mailboxes;

namespace Techmail.Silo.WebConsole.Admin.Mailboxes;

/// <summary>How a mailbox is doing, worst last, so a list can be sorted or coloured by it.</summary>
public enum HealthLevel
{
    /// <summary>Disabled: nothing is expected of it.</summary>
    Off,
    Healthy,

    /// <summary>Needs a look: late, or its last poll failed and it is retrying.</summary>
    Warning,

    /// <summary>Not getting mail: failing poll after poll, or left alone by its circuit breaker.</summary>
    Failing,
}

/// <summary>
/// The badge the mailbox list shows for one mailbox, read from its status the way an admin would: the level, a word or
/// two for the badge, and the sentence that says why (the badge's title and the text a screen reader reads).
/// </summary>
public sealed record MailboxHealth(HealthLevel Level, string Label, string Reason)
{
    /// <summary>Failed polls in a row from which a mailbox counts as failing rather than retrying.</summary>
    public const int FailingAfter = 3;

    /// <summary>A poll due this long ago that has not started is late (a slot may be busy for a moment).</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromMinutes(2);

    /// <param name="polls">Whether the mailbox reads mail (enabled with incoming settings); one that only sends is not polled.</param>
    public static MailboxHealth Of(bool enabled, bool polls, MailboxStatus status, DateTimeOffset now)
    {
        if (!enabled)
        {
            return new(HealthLevel.Off, "Disabled", "Disabled: it neither polls nor sends.");
        }

        if (status.Grant is { NeedsReconnecting: true } grant)
        {
            // Before the poll failures it causes: reconnecting is what helps, not waiting for the circuit.
            return new(HealthLevel.Failing, "Needs reconnecting", $"Its OAuth consent must be given again: {grant.Problem ?? "the provider refused its grant"}.");
        }

        if (!polls)
        {
            return new(HealthLevel.Healthy, "Sending only", "Enabled for sending; it has no incoming server to poll.");
        }

        var error = status.LastError is { Length: > 0 } e ? $" Last error: {e}" : "";
        if (status.Circuit == CircuitState.Open)
        {
            var until = status.BackoffUntil is { } u ? $" until {Time(u)}" : "";
            return new(HealthLevel.Failing, "Circuit open", $"{Polls(status.ConsecutiveFailures)} failed in a row; left alone{until}.{error}");
        }

        if (status.ConsecutiveFailures >= FailingAfter)
        {
            return new(HealthLevel.Failing, "Failing", $"{Polls(status.ConsecutiveFailures)} failed in a row.{error}");
        }

        if (status.ConsecutiveFailures > 0)
        {
            return new(HealthLevel.Warning, "Retrying", $"The last {Polls(status.ConsecutiveFailures)} failed; it is tried again with backoff.{error}");
        }

        if (status.State == PollState.Scheduled && status.NextPoll is { } due && now - due > LateAfter)
        {
            return new(HealthLevel.Warning, "Late", $"The poll due at {Time(due)} has not started ({Minutes(now - due)} late).");
        }

        if (status.State == PollState.Waiting)
        {
            return new(HealthLevel.Healthy, "Waiting", "Due, and waiting for a free session with its mail server.");
        }

        if (status.State == PollState.Polling)
        {
            return new(HealthLevel.Healthy, "Polling", $"Polling since {Time(status.LastPollStarted)}.");
        }

        if (status.LastPollStarted is null)
        {
            return new(HealthLevel.Healthy, "Not polled yet", $"The first poll is due at {Time(status.NextPoll)}.");
        }

        return new(HealthLevel.Healthy, "Healthy", $"Last poll {Time(status.LastPollStarted)}, next {Time(status.NextPoll)}.");
    }

    /// <summary>The CSS class of the badge (colour and an icon-free shape, so the level is not told by colour alone).</summary>
    public string CssClass => Level switch
    {
        HealthLevel.Off => "badge badge-off",
        HealthLevel.Healthy => "badge badge-ok",
        HealthLevel.Warning => "badge badge-warn",
        _ => "badge badge-fail",
    };

    private static string Polls(int count) => count == 1 ? "poll" : $"{count} polls";

    private static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "not scheduled";

    private static string Minutes(TimeSpan late) => late.TotalMinutes >= 2
        ? $"{Math.Floor(late.TotalMinutes).ToString(CultureInfo.InvariantCulture)} minutes"
        : $"{Math.Floor(late.TotalSeconds).ToString(CultureInfo.InvariantCulture)} seconds";
}

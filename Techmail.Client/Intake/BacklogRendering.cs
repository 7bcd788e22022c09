using System.Globalization;
using Spectre.Console;
using Techmail.Client.Infrastructure;
using Techmail.Intake;
using Techmail.Quarantine;

namespace Techmail.Client.Intake;

/// <summary>The intake backlog as the status commands print it, and as their --json writes it.</summary>
public static class BacklogRendering
{
    /// <summary>The JSON shape: counts, the oldest waiting mail's age in seconds, and the last error with its stage.</summary>
    public static object Json(IntakeBacklog b, DateTimeOffset now) => new
    {
        b.Recorded,
        b.Built,
        b.Waiting,
        b.Failing,
        b.SetAside,
        b.Duplicates,
        oldestWaiting = b.OldestWaiting,
        oldestWaitingAgeSeconds = b.OldestWaiting is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : (double?)null,
        b.OldestWaitingMailbox,
        lastError = b.LastError is { } e ? new { message = e.Message, stage = e.Stage, at = e.At } : null,
    };

    /// <summary>One line: what is waiting and for how long, or that nothing is.</summary>
    public static string Summary(IntakeBacklog b, DateTimeOffset now, bool withMailbox)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{b.Built:N0} built, {b.Waiting:N0} waiting");
        if (b.Waiting > 0 && b.OldestWaiting is { } oldest)
        {
            line += $" (oldest {Age(now - oldest)}{(withMailbox && b.OldestWaitingMailbox is { } where ? $", in {where}" : "")})";
        }

        if (b.Failing > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {b.Failing:N0} failing");
        }

        if (b.SetAside > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {b.SetAside:N0} set aside");
        }

        if (b.Duplicates > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {b.Duplicates:N0} duplicates");
        }

        return line;
    }

    public static void Write(IntakeBacklog b, DateTimeOffset now)
    {
        var grid = new Grid().AddColumn().AddColumn();
        var waiting = b.Failing > 0 ? "red" : b.Waiting > 0 ? "yellow" : "green";
        grid.AddRow("[grey]Intake[/]", $"[{waiting}]{Output.Escape(Summary(b, now, withMailbox: false))}[/]");
        if (b.LastError is { } e)
        {
            grid.AddRow("[grey]Intake error[/]", Output.Escape(ErrorLine(e)));
        }

        AnsiConsole.Write(grid);
    }

    public static string ErrorLine(IntakeError e) => $"{e.At:u} in {MailStages.Name(e.Stage)}: {e.Message}";

    private static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 90 } => FormattableString.Invariant($"{Math.Max(0, age.TotalSeconds):0}s"),
        { TotalMinutes: < 90 } => FormattableString.Invariant($"{age.TotalMinutes:0} min"),
        { TotalHours: < 48 } => FormattableString.Invariant($"{age.TotalHours:0.#} h"),
        _ => FormattableString.Invariant($"{age.TotalDays:0.#} days"),
    };
}

using System.Globalization;
using Spectre.Console;
using Techmail.Client.Infrastructure;
using Techmail.Client.Intake;
using Techmail.Intake;
using Techmail.Engine;

namespace Techmail.Client.Engine;

public sealed class EngineStatusCommand : TechmailCommand<GlobalSettings>
{
    protected override async Task<int> Run(IClusterClient client, GlobalSettings o, CancellationToken cancellationToken)
    {
        var status = await client.GetGrain<IEngineGrain>(0).GetStatus();
        var backlog = await client.GetGrain<IIntakeBacklogGrain>(0).ForCluster();
        var now = DateTimeOffset.UtcNow;
        if (o.Json)
        {
            var p = status.Polling;
            Output.WriteJson(new
            {
                status.Tenants,
                status.Mailboxes,
                status.EnabledMailboxes,
                status.Storage,
                status.Ready,
                status.Message,
                polling = new
                {
                    windowSeconds = p.Window.TotalSeconds,
                    p.Silos,
                    p.Polls,
                    p.PollsPerSecond,
                    latenessP50Ms = p.LatenessP50.TotalMilliseconds,
                    latenessP99Ms = p.LatenessP99.TotalMilliseconds,
                    latenessMaxMs = p.LatenessMax.TotalMilliseconds,
                    p.BusySkips,
                    p.BackoffSkips,
                    p.MissedTicks,
                    p.DoubledTicks,
                    p.FailedPolls,
                    p.Messages,
                },
                limits = status.Limits.Select(l => new
                {
                    l.Silo,
                    l.Scope,
                    l.Host,
                    l.Limit,
                    l.Floor,
                    l.Ceiling,
                    l.InUse,
                    l.Waiting,
                    l.Waits,
                    l.Reached,
                    l.LastWait,
                    l.Pushbacks,
                    l.LastPushback,
                    l.LastCut,
                }),
                backlog = BacklogRendering.Json(backlog, now),
            });
            return ExitCodes.Ok;
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]Gateway[/]", Output.Escape(o.EffectiveGateway));
        grid.AddRow("[grey]Storage[/]", status.Storage);
        grid.AddRow("[grey]Tenants[/]", status.Tenants.ToString());
        grid.AddRow("[grey]Mailboxes[/]", $"{status.EnabledMailboxes} enabled of {status.Mailboxes}");
        grid.AddRow("[grey]Polling[/]", Output.Escape(DescribePolling(status.Polling)));
        foreach (var line in DescribeLimits(status.Limits, now))
        {
            grid.AddRow("[grey]Limit[/]", $"[yellow]{Output.Escape(line)}[/]");
        }

        grid.AddRow("[grey]Intake[/]", Output.Escape(BacklogRendering.Summary(backlog, now, withMailbox: true)));
        if (backlog.LastError is { } e)
        {
            grid.AddRow("[grey]Intake error[/]", Output.Escape(BacklogRendering.ErrorLine(e)));
        }

        grid.AddRow("[grey]Status[/]", status.Ready ? $"[green]{Output.Escape(status.Message)}[/]" : $"[yellow]{Output.Escape(status.Message)}[/]");
        AnsiConsole.Write(grid);
        return ExitCodes.Ok;
    }

    private static string DescribePolling(PollingSummary p)
    {
        if (p.Polls == 0 && p.BusySkips + p.BackoffSkips + p.MissedTicks == 0)
        {
            return "no scheduled poll in the last 10 minutes";
        }

        var minutes = Math.Max(1, (int)Math.Round(p.Window.TotalMinutes));
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{p.Polls:N0} scheduled polls in the last {minutes} min on {p.Silos} silo(s) ({p.PollsPerSecond:0.0}/s), {p.Messages:N0} messages; started late by p50 {Seconds(p.LatenessP50)}, p99 {Seconds(p.LatenessP99)}, max {Seconds(p.LatenessMax)}");
        var trouble = new List<string>();
        if (p.FailedPolls > 0) trouble.Add($"{p.FailedPolls:N0} failed");
        if (p.BusySkips > 0) trouble.Add($"{p.BusySkips:N0} skipped (previous poll still running)");
        if (p.BackoffSkips > 0) trouble.Add($"{p.BackoffSkips:N0} skipped (backing off)");
        if (p.MissedTicks > 0) trouble.Add($"{p.MissedTicks:N0} ticks missed");
        if (p.DoubledTicks > 0) trouble.Add($"{p.DoubledTicks:N0} ticks doubled");
        return trouble.Count == 0 ? line : line + "; " + string.Join(", ", trouble);
    }

    /// <summary>One line per limit that held polls back, or that a host's pushback cut, in the window.</summary>
    private static IEnumerable<string> DescribeLimits(IReadOnlyList<Techmail.Engine.SessionLimitSummary> limits, DateTimeOffset now)
    {
        foreach (var l in limits)
        {
            var what = l.Scope switch
            {
                "silo" => $"silo cap of {l.Limit} sessions (Techmail:MaxConcurrentPolls)",
                "host" => $"host {l.Host}: {l.Limit} sessions (adapts from {l.Floor} to {l.Ceiling})",
                _ => "sessions per account",
            };
            var parts = new List<string>();
            if (l.Reached && l.LastWait is { } waited)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"reached {Ago(now - waited)}, {l.Waits:N0} polls waited since the silo started, {l.Waiting:N0} waiting now"));
            }

            if (l.LastCut is { } cut)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"cut {Ago(now - cut)} after the server pushed back ({l.LastPushback ?? "?"}; {l.Pushbacks:N0} in all)"));
            }

            var silo = limits.Select(x => x.Silo).Distinct().Count() > 1 ? $" on {l.Silo}" : "";
            yield return $"{what}{silo}: {string.Join("; ", parts)}";
        }
    }

    private static string Ago(TimeSpan t) => t < TimeSpan.FromMinutes(1)
        ? FormattableString.Invariant($"{Math.Max(0, t.TotalSeconds):0}s ago")
        : FormattableString.Invariant($"{t.TotalMinutes:0}m ago");

    private static string Seconds(TimeSpan t) => FormattableString.Invariant($"{t.TotalSeconds:0.00}s");
}

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

    private static string Seconds(TimeSpan t) => FormattableString.Invariant($"{t.TotalSeconds:0.00}s");
}

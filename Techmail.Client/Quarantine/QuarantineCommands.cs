using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;
using Techmail.Quarantine;

namespace Techmail.Client.Quarantine;

public sealed class QuarantineListSettings : GlobalSettings
{
    [CommandOption("--mailbox <NAME>"), Description("Only this mailbox's messages.")]
    public string? Mailbox { get; init; }

    [CommandOption("--all"), Description("Include reprocessed and dropped messages.")]
    public bool All { get; init; }

    [CommandOption("--limit <N>"), Description("Newest N (default 100).")]
    public int Limit { get; init; } = 100;
}

public class QuarantineIdSettings : GlobalSettings
{
    [CommandArgument(0, "<ID>"), Description("Quarantine id, as 'quarantine list' shows it.")]
    public string Id { get; init; } = "";
}

public sealed class QuarantineReprocessSettings : QuarantineIdSettings
{
    [CommandOption("--wait"), Description("Wait until what the message was handed to has finished (an incident built, a forward sent) and say how it went.")]
    public bool Wait { get; init; }

    [CommandOption("--timeout <SECONDS>"), Description("How long --wait waits (default 60).")]
    public int TimeoutSeconds { get; init; } = OutcomeWait.DefaultTimeoutSeconds;
}

public sealed class QuarantineShowSettings : QuarantineIdSettings
{
    [CommandOption("--raw"), Description("Write the message exactly as it came from the server.")]
    public bool Raw { get; init; }
}

public sealed class QuarantineListCommand : TechmailCommand<QuarantineListSettings>
{
    protected override async Task<int> Run(IClusterClient client, QuarantineListSettings o, CancellationToken cancellationToken)
    {
        var rows = await client.GetGrain<IQuarantineGrain>(o.EffectiveTenant).List(o.Mailbox, o.All, o.Limit);
        if (o.Json)
        {
            Output.WriteJson(rows);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Id", "Mailbox", "Time", "State", "From", "Subject", "Size", "Reason");
        foreach (var q in rows)
        {
            table.AddRow(q.Id, Output.Escape(q.Mailbox), q.Created.ToString("u"), q.State.ToString(), Output.Escape(q.From ?? "-"),
                Output.Escape(q.Subject ?? "-"), q.Size.ToString("N0"), Output.Escape(q.Reason));
        }

        AnsiConsole.Write(table);
        Console.WriteLine($"{rows.Count} message(s).");
        return ExitCodes.Ok;
    }
}

public sealed class QuarantineShowCommand : TechmailCommand<QuarantineShowSettings>
{
    protected override async Task<int> Run(IClusterClient client, QuarantineShowSettings o, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IQuarantineGrain>(o.EffectiveTenant);
        if (o.Raw)
        {
            var raw = await grain.GetRaw(o.Id) ?? throw NotFound(o.Id);
            if (raw.Length == 0 && await grain.Get(o.Id) is { State: QuarantineState.Dropped, Size: > 0 })
            {
                // The retention sweep empties a dropped message's bytes (Techmail:DroppedQuarantineRetentionDays); the row stays.
                throw new MailboxException(MailboxErrorKind.NotFound, $"quarantined message '{o.Id}' was dropped and its bytes are no longer kept.");
            }

            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(raw, cancellationToken);
            return ExitCodes.Ok;
        }

        var message = await grain.Get(o.Id) ?? throw NotFound(o.Id);
        var outcome = message.State is QuarantineState.Reprocessed or QuarantineState.Held ? await grain.Outcome(o.Id) : null;
        if (o.Json)
        {
            Output.WriteJson(new { message.Id, message.Mailbox, message.MessageKey, message.From, message.Subject, message.Size, message.Reason, message.State, message.Stage, message.Created, outcome });
            return ExitCodes.Ok;
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]Id[/]", message.Id);
        grid.AddRow("[grey]Mailbox[/]", Output.Escape(message.Mailbox));
        grid.AddRow("[grey]State[/]", message.State.ToString());
        grid.AddRow("[grey]Time[/]", message.Created.ToString("u"));
        grid.AddRow("[grey]From[/]", Output.Escape(message.From ?? "-"));
        grid.AddRow("[grey]Subject[/]", Output.Escape(message.Subject ?? "-"));
        grid.AddRow("[grey]Size[/]", $"{message.Size:N0} bytes");
        grid.AddRow("[grey]Reason[/]", Output.Escape(message.Reason));
        grid.AddRow("[grey]Message key[/]", message.MessageKey);
        if (outcome is not null)
        {
            grid.AddRow("[grey]Reprocessed[/]", $"{outcome.Progress.ToString().ToLowerInvariant()}: {Output.Escape(outcome.Summary)}");
        }

        AnsiConsole.Write(grid);
        return ExitCodes.Ok;
    }

    private static MailboxException NotFound(string id) => new(MailboxErrorKind.NotFound, $"quarantined message '{id}' does not exist.");
}

/// <summary>
/// Screens a quarantined message again and hands it on. The silo answers once that is recorded; <c>--wait</c> follows
/// the message until the incident is built or the forward sent. Run again, it reprocesses nothing twice.
/// </summary>
public sealed class QuarantineReprocessCommand : TechmailCommand<QuarantineReprocessSettings>
{
    protected override void Prepare(QuarantineReprocessSettings o) => OutcomeWait.Check(o.Wait, o.TimeoutSeconds);

    protected override async Task<int> Run(IClusterClient client, QuarantineReprocessSettings o, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IQuarantineGrain>(o.EffectiveTenant);
        var outcome = await grain.Reprocess(o.Id);
        if (o.Wait && outcome.Progress == ReprocessProgress.Waiting)
        {
            outcome = await OutcomeWait.Until(async () => await grain.Outcome(o.Id) ?? outcome, r => r.Progress != ReprocessProgress.Waiting, o.TimeoutSeconds, cancellationToken);
        }

        if (o.Json)
        {
            Output.WriteJson(outcome);
        }
        else
        {
            var still = o.Wait && outcome.Progress == ReprocessProgress.Waiting ? $" (still waiting after {o.TimeoutSeconds}s; 'techmail quarantine show {o.Id}' follows it)" : "";
            Console.WriteLine($"Reprocessed {o.Id}: {outcome.Summary}{still}.");
        }

        return outcome.Progress switch
        {
            ReprocessProgress.Failed => ExitCodes.Refused,
            ReprocessProgress.Waiting when o.Wait => ExitCodes.Refused,
            _ => ExitCodes.Ok,
        };
    }
}

public sealed class QuarantineDropCommand : TechmailCommand<QuarantineIdSettings>
{
    protected override async Task<int> Run(IClusterClient client, QuarantineIdSettings o, CancellationToken cancellationToken)
    {
        if (!await client.GetGrain<IQuarantineGrain>(o.EffectiveTenant).Drop(o.Id))
        {
            throw new MailboxException(MailboxErrorKind.NotFound, $"no held quarantined message '{o.Id}'.");
        }

        if (o.Json)
        {
            Output.WriteJson(new { dropped = o.Id });
        }
        else
        {
            Console.WriteLine($"Dropped {o.Id}.");
        }

        return ExitCodes.Ok;
    }
}

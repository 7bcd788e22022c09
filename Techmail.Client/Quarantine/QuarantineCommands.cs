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
        if (o.Json)
        {
            Output.WriteJson(message);
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
        AnsiConsole.Write(grid);
        return ExitCodes.Ok;
    }

    private static MailboxException NotFound(string id) => new(MailboxErrorKind.NotFound, $"quarantined message '{id}' does not exist.");
}

public sealed class QuarantineReprocessCommand : TechmailCommand<QuarantineIdSettings>
{
    protected override async Task<int> Run(IClusterClient client, QuarantineIdSettings o, CancellationToken cancellationToken)
    {
        var entry = await client.GetGrain<IQuarantineGrain>(o.EffectiveTenant).Reprocess(o.Id);
        if (o.Json)
        {
            Output.WriteJson(entry);
        }
        else
        {
            Console.WriteLine($"Reprocessed {o.Id}: {entry.Verdict}{(entry.Reason is null ? "" : $" ({entry.Reason})")}.");
        }

        return entry.Verdict == Polling.TraceVerdict.Quarantined ? ExitCodes.Refused : ExitCodes.Ok;
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

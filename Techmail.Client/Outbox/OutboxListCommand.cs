using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Outgoing;

namespace Techmail.Client.Outbox;

public sealed class OutboxListSettings : GlobalSettings
{
    [CommandOption("--mailbox <NAME>"), Description("Only this mailbox's mail.")]
    public string? Mailbox { get; init; }

    [CommandOption("--state <STATE>"), Description("queued, sent or failed.")]
    public OutboxState? State { get; init; }

    [CommandOption("--limit <N>"), Description("Newest N (default 100).")]
    public int Limit { get; init; } = 100;
}

public sealed class OutboxListCommand : TechmailCommand<OutboxListSettings>
{
    protected override async Task<int> Run(IClusterClient client, OutboxListSettings o, CancellationToken cancellationToken)
    {
        var rows = await client.GetGrain<IOutboxListGrain>(o.EffectiveTenant).List(o.Mailbox, o.State, o.Limit);
        if (o.Json)
        {
            Output.WriteJson(rows);
            return ExitCodes.Ok;
        }

        AnsiConsole.Write(OutboxRendering.List(rows));
        Console.WriteLine($"{rows.Count} message(s).");
        return ExitCodes.Ok;
    }
}

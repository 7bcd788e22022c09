using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class TraceSettings : MailboxNameSettings
{
    [CommandOption("--limit <N>"), Description("Newest N messages (default 50).")]
    public int Limit { get; init; } = 50;
}

public sealed class TraceCommand : TechmailCommand<TraceSettings>
{
    protected override async Task<int> Run(IClusterClient client, TraceSettings o, CancellationToken cancellationToken)
    {
        var rows = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name)).GetTrace(o.Limit);
        if (o.Json)
        {
            Output.WriteJson(rows);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Time", "Verdict", "From", "Subject", "Message-ID", "Reason", "Key");
        foreach (var r in rows)
        {
            table.AddRow(
                r.Time.ToString("u"),
                r.Verdict.ToString(),
                Output.Escape(r.From ?? "-"),
                Output.Escape(r.Subject ?? "-"),
                Output.Escape(r.MessageId ?? "-"),
                Output.Escape(r.Reason ?? "-"),
                r.MessageKey);
        }

        AnsiConsole.Write(table);
        Console.WriteLine($"{rows.Count} message(s).");
        return ExitCodes.Ok;
    }
}

using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Bounces;
using Techmail.Client.Infrastructure;

namespace Techmail.Client.Bounces;

public sealed class BounceListSettings : GlobalSettings
{
    [CommandOption("--mailbox <NAME>")] public string? Mailbox { get; init; }
    [CommandOption("--reason <REASON>"), Description("e.g. userunknown, mailboxfull, feedback.")] public string? Reason { get; init; }
    [CommandOption("--hard"), Description("Hard bounces only.")] public bool Hard { get; init; }
    [CommandOption("--soft"), Description("Soft bounces only.")] public bool Soft { get; init; }
    [CommandOption("--address <ADDRESS>")] public string? Address { get; init; }
    [CommandOption("--since <DATE>"), Description("ISO date or date-time (UTC).")] public string? Since { get; init; }
    [CommandOption("--limit <N>")] public int Limit { get; init; } = 100;
}

public sealed class BounceListCommand : TechmailCommand<BounceListSettings>
{
    protected override void Prepare(BounceListSettings o)
    {
        if (o.Hard && o.Soft)
        {
            throw new CommandFailure("--hard and --soft cannot be used together.");
        }

        if (o.Since is not null && !DateTimeOffset.TryParse(o.Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            throw new CommandFailure($"--since '{o.Since}': expected a date such as 2026-11-01 or 2026-11-01T12:00:00Z.");
        }

        if (o.Reason is not null && !BounceReasons.TryParse(o.Reason, out _))
        {
            throw new CommandFailure($"--reason '{o.Reason}': not a reason ({string.Join(", ", Enum.GetValues<BounceReason>().Select(BounceReasons.ToLabel))}).");
        }
    }

    protected override async Task<int> Run(IClusterClient client, BounceListSettings o, CancellationToken cancellationToken)
    {
        DateTimeOffset? since = o.Since is null ? null : DateTimeOffset.Parse(o.Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var query = new BounceQuery(o.Mailbox, o.Reason, o.Hard ? true : o.Soft ? false : null, o.Address, since, o.Limit);
        var rows = await client.GetGrain<IBounceDirectoryGrain>(o.EffectiveTenant).List(query);
        if (o.Json)
        {
            Output.WriteJson(rows);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Received", "Mailbox", "Address", "Reason", "Hard", "Status", "Diagnostic", "Tied to");
        foreach (var b in rows)
        {
            // An untied report changed no address; the reason says so, so a forged report stands out.
            var tie = b.TiedTo ?? (b.Untied is null ? "-" : $"[yellow]{Output.Escape(b.Untied)}[/]");
            table.AddRow(b.Received.ToString("u"), Output.Escape(b.Mailbox), Output.Escape(b.Address), b.Reason,
                b.HardBounce switch { true => "[red]hard[/]", false => "soft", null => "-" }, b.Status ?? "-", Output.Escape(b.Diagnostic ?? "-"),
                b.TiedTo is null ? tie : Output.Escape(b.TiedTo));
        }

        AnsiConsole.Write(table);
        Console.WriteLine($"{rows.Count} bounce(s).");
        return ExitCodes.Ok;
    }
}

public sealed class ClassifySettings : CommandSettings
{
    [CommandArgument(0, "<FILE>"), Description("Message files (.eml).")]
    public string[] Files { get; init; } = [];

    [CommandOption("--json"), Description("One JSON object per file.")]
    public bool Json { get; init; }
}

/// <summary>Offline: what the classifier decides for message files. Needs no silo.</summary>
public sealed class BounceClassifyCommand : AsyncCommand<ClassifySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ClassifySettings o, CancellationToken cancellationToken)
    {
        var classifier = new BounceClassifier();
        return await MessageFiles.ForEach(o.Files, (file, raw) =>
        {
            var result = classifier.Classify(raw);
            var recipients = result.Recipients.Select(r => new
            {
                recipient = r.Recipient,
                status = r.Status,
                replyCode = r.ReplyCode,
                reason = BounceReasons.ToLabel(r.Reason),
                hardBounce = r.HardBounce,
                diagnostic = r.Diagnostic,
            });
            if (o.Json)
            {
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { file, isBounce = result.IsBounce, recipients }));
            }
            else
            {
                Console.WriteLine(result.IsBounce ? $"{file}: bounce" : $"{file}: not a bounce");
                foreach (var r in result.Recipients)
                {
                    Console.WriteLine($"  {r.Recipient}  {BounceReasons.ToLabel(r.Reason)}  {(r.HardBounce switch { true => "hard", false => "soft", null => "-" })}  {r.Status}  {r.ReplyCode}  {r.Diagnostic}");
                }
            }
        }, cancellationToken);
    }
}

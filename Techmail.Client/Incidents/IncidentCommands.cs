using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Incidents;

namespace Techmail.Client.Incidents;

public sealed class IncidentListSettings : GlobalSettings
{
    [CommandOption("--mailbox <NAME>")]
    public string? Mailbox { get; init; }

    [CommandOption("--status <STATUS>"), Description("new, updated, waiting or solved.")]
    public string? Status { get; init; }

    [CommandOption("--queue <QUEUE>")]
    public string? Queue { get; init; }

    [CommandOption("--contact <ADDRESS>")]
    public string? Contact { get; init; }

    [CommandOption("--text <TEXT>"), Description("Subject or contact address contains this.")]
    public string? Text { get; init; }

    [CommandOption("--limit <N>"), Description("Incidents per page (default 50, at most 1000).")]
    public int Limit { get; init; } = 50;

    [CommandOption("--before <REFERENCE>"), Description("The next page: incidents older than this reference (printed under each page).")]
    public string? Before { get; init; }

    public override ValidationResult Validate() =>
        Limit is < 1 or > IncidentListStore.MaxTake ? ValidationResult.Error("--limit: from 1 to 1000.")
        : Status is not null && !IncidentFields.TryStatus(Status, out _) ? ValidationResult.Error($"--status: '{Status}' is not new, updated, waiting or solved.")
        : ValidationResult.Success();
}

public class IncidentReferenceSettings : GlobalSettings
{
    [CommandArgument(0, "<REFERENCE>"), Description("The incident's reference, YYMMDD-NNNNNN.")]
    public string Reference { get; init; } = "";

    public override ValidationResult Validate() =>
        IncidentReference.TryParse(Reference, out _) ? ValidationResult.Success() : ValidationResult.Error($"'{Reference}' is not an incident reference (YYMMDD-NNNNNN).");
}

public sealed class IncidentShowSettings : IncidentReferenceSettings
{
    [CommandOption("--full"), Description("Each customer entry's whole body, quoted history and signature included, instead of its reply text.")]
    public bool Full { get; init; }
}

public sealed class IncidentAttachmentSettings : IncidentReferenceSettings
{
    [CommandArgument(1, "<N>"), Description("The attachment's number as 'incident show' lists it (1 is the thread's first).")]
    public int Number { get; init; }

    [CommandOption("--out <FILE>"), Description("Where to write it; '-' for standard output.")]
    public string Out { get; init; } = "";

    public override ValidationResult Validate() =>
        string.IsNullOrEmpty(Out) ? ValidationResult.Error("--out FILE is required.") : base.Validate();
}

public sealed class IncidentReplySettings : IncidentReferenceSettings
{
    [CommandOption("--body <TEXT>"), Description("The reply's text ('-' reads it from standard input).")]
    public string Body { get; init; } = "";

    [CommandOption("--attach <FILE>"), Description("A file to attach; repeat for more.")]
    public string[] Attach { get; init; } = [];

    [CommandOption("--agent <NAME>"), Description("Who answers (recorded on the entry).")]
    public string? Agent { get; init; }

    [CommandOption("--status <STATUS>"), Description("Status after the reply (default waiting).")]
    public string? Status { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrEmpty(Body) ? ValidationResult.Error("--body is required.")
        : Status is not null && !IncidentFields.TryStatus(Status, out _) ? ValidationResult.Error($"--status: '{Status}' is not new, updated, waiting or solved.")
        : Attach.FirstOrDefault(f => !File.Exists(f)) is { } missing ? ValidationResult.Error($"--attach: '{missing}' does not exist.")
        : base.Validate();
}

public sealed class IncidentUpdateSettings : IncidentReferenceSettings
{
    [CommandOption("--status <STATUS>")]
    public string? Status { get; init; }

    [CommandOption("--queue <QUEUE>")]
    public string? Queue { get; init; }

    [CommandOption("--priority <PRIORITY>")]
    public string? Priority { get; init; }

    [CommandOption("--category <CATEGORY>")]
    public string? Category { get; init; }

    [CommandOption("--assignee <ASSIGNEE>")]
    public string? Assignee { get; init; }

    public override ValidationResult Validate() =>
        Status is not null && !IncidentFields.TryStatus(Status, out _) ? ValidationResult.Error($"--status: '{Status}' is not new, updated, waiting or solved.")
        : new[] { Status, Queue, Priority, Category, Assignee }.All(v => v is null) ? ValidationResult.Error("nothing to change: give --status, --queue, --priority, --category or --assignee.")
        : base.Validate();
}

internal static class IncidentFields
{
    public static bool TryStatus(string text, out IncidentStatus status) =>
        Enum.TryParse(text, ignoreCase: true, out status) && Enum.IsDefined(status) && !int.TryParse(text, out _);

    public static IncidentStatus? Status(string? text) => text is null ? null : TryStatus(text, out var s) ? s : null;
}

public sealed class IncidentListCommand : TechmailCommand<IncidentListSettings>
{
    protected override async Task<int> Run(IClusterClient client, IncidentListSettings o, CancellationToken cancellationToken)
    {
        var page = await client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(
            o.EffectiveTenant, o.Mailbox, IncidentFields.Status(o.Status), o.Queue, o.Contact, o.Text, o.Limit, o.Before));
        if (o.Json)
        {
            Output.WriteJson(page);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Reference", "Status", "Subject", "Contact", "Mailbox", "Queue", "Priority", "Updated");
        foreach (var i in page.Incidents)
        {
            table.AddRow(i.Reference, i.Status.ToString().ToLowerInvariant(), Output.Escape(i.Subject), Output.Escape(i.Contact), Output.Escape(i.Mailbox),
                Output.Escape(i.Queue ?? "-"), Output.Escape(i.Priority ?? "-"), i.Updated.ToString("u"));
        }

        AnsiConsole.Write(table);
        Console.WriteLine(page.Next is { } next ? $"{page.Incidents.Count} incident(s); next page: --before {next}" : $"{page.Incidents.Count} incident(s).");
        return ExitCodes.Ok;
    }
}

public sealed class IncidentShowCommand : TechmailCommand<IncidentShowSettings>
{
    protected override async Task<int> Run(IClusterClient client, IncidentShowSettings o, CancellationToken cancellationToken)
    {
        var details = await client.GetGrain<IIncidentGrain>(IncidentKey.For(o.EffectiveTenant, o.Reference)).Get()
            ?? throw new CommandFailure($"incident {o.Reference} does not exist in tenant '{o.EffectiveTenant}'.", ExitCodes.Refused);
        if (o.Json)
        {
            Output.WriteJson(details);
            return ExitCodes.Ok;
        }

        var i = details.Incident;
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]Reference[/]", i.Reference);
        grid.AddRow("[grey]Subject[/]", Output.Escape(i.Subject));
        grid.AddRow("[grey]Status[/]", i.Status.ToString().ToLowerInvariant());
        grid.AddRow("[grey]Contact[/]", Output.Escape(i.Contact));
        grid.AddRow("[grey]Mailbox[/]", Output.Escape(i.Mailbox));
        grid.AddRow("[grey]Queue / priority[/]", Output.Escape($"{i.Queue ?? "-"} / {i.Priority ?? "-"}"));
        grid.AddRow("[grey]Category / assignee[/]", Output.Escape($"{i.Category ?? "-"} / {i.Assignee ?? "-"}"));
        grid.AddRow("[grey]Tags[/]", Output.Escape(i.Tags.Count == 0 ? "-" : string.Join(", ", i.Tags)));
        grid.AddRow("[grey]Rules fired[/]", Output.Escape(i.RulesFired.Count == 0 ? "-" : string.Join(", ", i.RulesFired)));
        grid.AddRow("[grey]Created / updated[/]", $"{i.Created:u} / {i.Updated:u}");
        AnsiConsole.Write(grid);

        var number = 0;
        foreach (var entry in details.Thread)
        {
            Console.WriteLine();
            AnsiConsole.MarkupLine($"[bold]#{entry.Sequence} {entry.Author.ToString().ToLowerInvariant()}[/] {Output.Escape(entry.Sender ?? "")} {entry.Created:u}"
                + (entry.MessageId is { } id ? $" [grey]{Output.Escape(id)}[/]" : ""));
            if (entry.Smime is { } smime)
            {
                var colour = smime.Signature is SignatureStatus.Valid or SignatureStatus.NotSigned ? "green" : "red";
                AnsiConsole.MarkupLine($"[{colour}]S/MIME: {Output.Escape(smime.Describe())}[/]" + (smime.Thumbprint is { } t ? $" [grey]{t}[/]" : ""));
            }

            // The reply text, what the customer wrote now; entries stored before reply texts existed have only the body.
            var shown = o.Full ? entry.Body : entry.ReplyText ?? entry.Body;
            Console.WriteLine(shown);
            if (!o.Full && shown.Length < entry.Body.Length)
            {
                AnsiConsole.MarkupLine("[grey](quoted text and signature hidden; --full shows them)[/]");
            }

            foreach (var a in entry.Attachments)
            {
                number++;
                Console.WriteLine($"  [{number}] {a.FileName} ({a.ContentType}, {a.Size:N0} bytes{(a.Inline ? ", inline" : "")}) sha256 {a.Sha256}");
            }
        }

        return ExitCodes.Ok;
    }
}

public sealed class IncidentAttachmentCommand : TechmailCommand<IncidentAttachmentSettings>
{
    protected override void Prepare(IncidentAttachmentSettings o)
    {
        if (o.Json && StandardStreams.Means(o.Out))
        {
            throw new CommandFailure("--json and --out - would both write to standard output; give --out FILE with --json.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, IncidentAttachmentSettings o, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IIncidentGrain>(IncidentKey.For(o.EffectiveTenant, o.Reference));
        var details = await grain.Get() ?? throw new CommandFailure($"incident {o.Reference} does not exist in tenant '{o.EffectiveTenant}'.", ExitCodes.Refused);
        var all = details.Thread.SelectMany(e => e.Attachments.Select(a => (e.Sequence, a.Position))).ToList();
        if (o.Number < 1 || o.Number > all.Count)
        {
            throw new CommandFailure($"incident {o.Reference} has {all.Count} attachment(s); there is no number {o.Number}.", ExitCodes.Refused);
        }

        var (sequence, position) = all[o.Number - 1];
        var attachment = await grain.Attachment(sequence, position)
            ?? throw new CommandFailure($"attachment {o.Number} of incident {o.Reference} is gone.", ExitCodes.Refused);
        if (StandardStreams.Means(o.Out))
        {
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(attachment.Content, cancellationToken);
            return ExitCodes.Ok;
        }

        await File.WriteAllBytesAsync(o.Out, attachment.Content, cancellationToken);
        if (o.Json)
        {
            Output.WriteJson(new { reference = o.Reference, number = o.Number, fileName = attachment.Info.FileName, bytes = attachment.Content.Length, @out = o.Out });
        }
        else
        {
            Console.Error.WriteLine($"wrote {attachment.Info.FileName} ({attachment.Content.Length:N0} bytes) to {o.Out}");
        }

        return ExitCodes.Ok;
    }
}

public sealed class IncidentReplyCommand : TechmailCommand<IncidentReplySettings>
{
    protected override async Task<int> Run(IClusterClient client, IncidentReplySettings o, CancellationToken cancellationToken)
    {
        var body = StandardStreams.Means(o.Body) ? await Console.In.ReadToEndAsync(cancellationToken) : o.Body;
        var files = new List<ReplyAttachment>();
        foreach (var path in o.Attach)
        {
            files.Add(new ReplyAttachment(Path.GetFileName(path), MimeKit.MimeTypes.GetMimeType(path), await File.ReadAllBytesAsync(path, cancellationToken)));
        }

        var receipt = await client.GetGrain<IIncidentGrain>(IncidentKey.For(o.EffectiveTenant, o.Reference))
            .Reply(new AgentReply(body, o.Agent, files, IncidentFields.Status(o.Status)));
        if (o.Json)
        {
            Output.WriteJson(receipt);
            return ExitCodes.Ok;
        }

        Console.WriteLine($"reply #{receipt.Sequence} added to {receipt.Reference} and queued to {receipt.Recipient} as {receipt.MessageId}");
        return ExitCodes.Ok;
    }
}

public sealed class IncidentUpdateCommand : TechmailCommand<IncidentUpdateSettings>
{
    protected override async Task<int> Run(IClusterClient client, IncidentUpdateSettings o, CancellationToken cancellationToken)
    {
        var updated = await client.GetGrain<IIncidentGrain>(IncidentKey.For(o.EffectiveTenant, o.Reference))
            .Update(new IncidentChanges(IncidentFields.Status(o.Status), o.Queue, o.Priority, o.Category, o.Assignee));
        if (o.Json)
        {
            Output.WriteJson(updated);
            return ExitCodes.Ok;
        }

        Console.WriteLine($"{updated.Reference}: {updated.Status.ToString().ToLowerInvariant()}, queue {updated.Queue ?? "-"}, priority {updated.Priority ?? "-"}");
        return ExitCodes.Ok;
    }
}

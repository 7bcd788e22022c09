using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;
using Techmail.Mailings;
using Techmail.Outgoing;

namespace Techmail.Client.Mailings;

public sealed class MailingSendSettings : GlobalSettings
{
    [CommandOption("--mailbox <NAME>"), Description("The Marketing mailbox it goes out through (its envelope, From, Reply-To, relay).")]
    public string? Mailbox { get; init; }

    [CommandOption("--recipients <FILE>"), Description("One address a line, or CSV with a header naming an 'email' column and merge fields.")]
    public string? Recipients { get; init; }

    [CommandOption("--message <FILE>"), Description("The message (.eml): subject and text/HTML bodies with {field} merge fields.")]
    public string? Message { get; init; }

    [CommandOption("--name <NAME>"), Description("What the mailing is called in listings (default: the message's file name and the time).")]
    public string? Name { get; init; }

    [CommandOption("--rate <PER_MINUTE>"), Description("At most this many recipients a minute (default: as fast as the relay takes them).")]
    public int? Rate { get; init; }

    [CommandOption("--retry-window <DAYS>"), Description("How long soft-bounced recipients are retried after their first send (default: the mailbox's retry window, 7 days unless it sets one).")]
    public double? RetryWindowDays { get; init; }

    [CommandOption("--request-id <ID>"), Description("Keys the mailing: run again with the same id (after a timeout), nothing new is made or sent.")]
    public string? RequestId { get; init; }
}

public sealed class MailingListSettings : GlobalSettings
{
    [CommandOption("--limit <N>"), Description("Newest N (default 100).")]
    public int Limit { get; init; } = 100;
}

public class MailingIdSettings : GlobalSettings
{
    [CommandArgument(0, "<ID>"), Description("Mailing id, as 'mailing send' printed it and 'mailing list' shows it.")]
    public long Id { get; init; }
}

public sealed class MailingShowSettings : MailingIdSettings
{
    [CommandOption("--recipients"), Description("Also list each recipient and what became of it.")]
    public bool Recipients { get; init; }
}

/// <summary>Reads the files, hands the mailing in (<see cref="MailingSubmission"/>) and prints its id.</summary>
public sealed class MailingSendCommand : TechmailCommand<MailingSendSettings>
{
    protected override void Prepare(MailingSendSettings o)
    {
        if (o.Mailbox is null || o.Recipients is null || o.Message is null)
        {
            throw new CommandFailure("--mailbox, --recipients and --message are required.");
        }

        if (o.RequestId is not null && !SendQueue.IsValidRequestId(o.RequestId))
        {
            throw new CommandFailure($"--request-id must be 1-{SendQueue.MaxRequestIdLength} letters, digits, '.', '_' or '-'.");
        }

        if (o.Rate is <= 0)
        {
            throw new CommandFailure("--rate must be a positive number of recipients a minute.");
        }

        if (o.RetryWindowDays is { } days && !MailboxSettings.IsSoftBounceRetryWindow(TimeSpan.FromDays(days)))
        {
            throw new CommandFailure($"--retry-window must be more than 0 and at most {MailboxSettings.MaximumSoftBounceRetryWindow.TotalDays:0} days.");
        }

        foreach (var file in new[] { o.Recipients, o.Message })
        {
            if (!File.Exists(file))
            {
                throw new CommandFailure($"{file}: no such file.");
            }
        }
    }

    protected override async Task<int> Run(IClusterClient client, MailingSendSettings o, CancellationToken cancellationToken)
    {
        var message = await File.ReadAllBytesAsync(o.Message!, cancellationToken);
        var list = await File.ReadAllTextAsync(o.Recipients!, cancellationToken);
        // Chosen here, not in the silo: the same command after a timeout is then the same mailing.
        var requestId = o.RequestId ?? Guid.NewGuid().ToString("N");
        var name = o.Name ?? $"{Path.GetFileNameWithoutExtension(o.Message)} {DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}";
        var (id, report) = await MailingSubmission.Submit(
            client, o.EffectiveTenant, o.Mailbox!, name, requestId, message, list, o.Rate, o.RetryWindowDays is { } days ? TimeSpan.FromDays(days) : null);
        if (o.Json)
        {
            Output.WriteJson(new { id, requestId, report.Mailing.State, report.Listed, report.Duplicates, report.OneClickLeftOut });
            return ExitCodes.Ok;
        }

        Console.WriteLine(id.ToString(CultureInfo.InvariantCulture));
        Console.Error.WriteLine($"Mailing {id} '{TerminalText.Clean(name)}' started: {report.Listed} line(s), {report.Duplicates} duplicate(s); 'techmail mailing show {id}' follows it.");
        if (report.OneClickLeftOut is { } why)
        {
            Console.Error.WriteLine($"One-click unsubscribe left out: {why}.");
        }

        return ExitCodes.Ok;
    }
}

public sealed class MailingListCommand : TechmailCommand<MailingListSettings>
{
    protected override async Task<int> Run(IClusterClient client, MailingListSettings o, CancellationToken cancellationToken)
    {
        var rows = await client.GetGrain<IMailingListGrain>(o.EffectiveTenant).List(o.Limit);
        if (o.Json)
        {
            Output.WriteJson(rows);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Id", "Mailbox", "Name", "State", "Listed", "Sent", "Created");
        foreach (var m in rows)
        {
            table.AddRow(m.Id.ToString(CultureInfo.InvariantCulture), Output.Escape(m.Mailbox), Output.Escape(m.Name), m.State.ToString(),
                m.Listed.ToString("N0", CultureInfo.InvariantCulture), m.Sent.ToString("N0", CultureInfo.InvariantCulture), m.Created.ToString("u", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        Console.WriteLine($"{rows.Count} mailing(s).");
        return ExitCodes.Ok;
    }
}

public sealed class MailingShowCommand : TechmailCommand<MailingShowSettings>
{
    private const int Page = 1000;

    protected override async Task<int> Run(IClusterClient client, MailingShowSettings o, CancellationToken cancellationToken)
    {
        var mailing = client.GetGrain<IMailingGrain>(MailingKey.For(o.EffectiveTenant, o.Id));
        var report = await mailing.Report() ?? throw new CommandFailure($"mailing {o.Id} does not exist.", ExitCodes.Refused);
        var recipients = new List<MailingRecipientState>();
        for (long after = 0; o.Recipients;)
        {
            var page = await mailing.Recipients(after, Page);
            recipients.AddRange(page);
            if (page.Count < Page) break;
            after = page[^1].Index;
        }

        if (o.Json)
        {
            Output.WriteJson(new { report, recipients = o.Recipients ? recipients : null });
            return ExitCodes.Ok;
        }

        var m = report.Mailing;
        Console.WriteLine($"Mailing {m.Id}: {TerminalText.Clean(m.Name)} (mailbox {TerminalText.Clean(m.Mailbox)}), {m.State.ToString().ToLowerInvariant()}");
        Console.WriteLine($"  created {m.Created:u}" + (m.Started is { } s ? $", started {s:u}" : "") + (m.Finished is { } f ? $", finished {f:u}" : ""));
        Console.WriteLine($"  pace {(report.RatePerMinute is { } rate ? $"{rate}/min" : "as fast as the relay takes it")}, soft bounces retried for {report.RetryWindow.TotalDays:0.#} days");
        Console.WriteLine($"  listed {report.Listed}, duplicates {report.Duplicates}, suppressed {report.Suppressed}{By(report.SuppressedBy)}");
        Console.WriteLine($"  pending {report.Pending}, queued {report.Queued}, sent {report.Sent}, delivered {report.Delivered}, awaiting bounces {report.AwaitingBounces}");
        Console.WriteLine($"  bounced hard {report.BouncedHard}{By(report.HardBy)}, soft bounces {report.SoftBounces}{By(report.SoftBy)}");
        Console.WriteLine($"  retrying {report.Retrying}, retries {report.Retries}, failed {report.Failed}, cancelled {report.Cancelled}");
        Console.WriteLine($"  complaints {report.Complaints}, unsubscribes {report.Unsubscribes}");
        if (report.OneClickLeftOut is { } why)
        {
            Console.WriteLine($"  one-click unsubscribe left out: {why}");
        }

        if (o.Recipients)
        {
            var table = new Table().AddColumns("#", "Address", "State", "Attempts", "Detail");
            foreach (var r in recipients)
            {
                var flags = (r.Complained ? " complained" : "") + (r.Unsubscribed ? " unsubscribed" : "");
                table.AddRow(r.Index.ToString(CultureInfo.InvariantCulture), Output.Escape(r.Address), r.State + flags, r.Attempts.ToString(CultureInfo.InvariantCulture), Output.Escape(r.Detail ?? ""));
            }

            AnsiConsole.Write(table);
        }

        return ExitCodes.Ok;
    }

    private static string By(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "" : $" ({string.Join(", ", counts.Select(c => $"{TerminalText.Clean(c.Key)} {c.Value}"))})";
}

/// <summary>Pause, resume or cancel; each prints the mailing's state after it.</summary>
public abstract class MailingActionCommand : TechmailCommand<MailingIdSettings>
{
    protected abstract Task<MailingReport> Act(IMailingGrain mailing);

    protected override async Task<int> Run(IClusterClient client, MailingIdSettings o, CancellationToken cancellationToken)
    {
        var report = await Act(client.GetGrain<IMailingGrain>(MailingKey.For(o.EffectiveTenant, o.Id)));
        if (o.Json)
        {
            Output.WriteJson(new { report.Mailing.Id, report.Mailing.State, report.Pending, report.Queued, report.Sent, report.Cancelled });
            return ExitCodes.Ok;
        }

        Console.WriteLine($"Mailing {report.Mailing.Id} is {report.Mailing.State.ToString().ToLowerInvariant()}: {report.Sent} sent, {report.Pending} pending, {report.Queued} queued.");
        return ExitCodes.Ok;
    }
}

public sealed class MailingPauseCommand : MailingActionCommand
{
    protected override Task<MailingReport> Act(IMailingGrain mailing) => mailing.Pause();
}

public sealed class MailingResumeCommand : MailingActionCommand
{
    protected override Task<MailingReport> Act(IMailingGrain mailing) => mailing.Resume();
}

public sealed class MailingCancelCommand : MailingActionCommand
{
    protected override Task<MailingReport> Act(IMailingGrain mailing) => mailing.Cancel();
}

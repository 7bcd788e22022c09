using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class ImportSettings : GlobalSettings
{
    [CommandArgument(0, "<FILE>"), Description("JSON array of {name, settings}, as 'mailbox export' writes; '-' reads standard input.")]
    public string File { get; init; } = "";

    [CommandOption("--parallel <N>"), Description("Mailboxes saved at once (default 16).")]
    public int Parallel { get; init; } = 16;
}

/// <summary>Creates or replaces many mailboxes. Each stands alone: one refusal does not stop the others.</summary>
public sealed class ImportCommand : TechmailCommand<ImportSettings>
{
    private IReadOnlyList<MailboxFileEntry> _entries = [];

    protected override void Prepare(ImportSettings o)
    {
        if (o.Parallel is < 1 or > 256)
        {
            throw new CommandFailure("--parallel must be 1-256.");
        }

        var shown = StandardStreams.Shown(o.File);
        try
        {
            using var stream = StandardStreams.Means(o.File) ? Console.OpenStandardInput() : System.IO.File.OpenRead(o.File);
            _entries = JsonSerializer.Deserialize<List<MailboxFileEntry>>(stream, Output.Json)
                ?? throw new CommandFailure($"{shown}: is empty.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"{shown}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new CommandFailure($"{shown}: not a JSON array of {{name, settings}} ({e.Message})");
        }

        var duplicate = _entries.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new CommandFailure($"{shown}: mailbox '{duplicate.Key}' appears {duplicate.Count()} times.");
        }

        if (_entries.FirstOrDefault(e => e.Settings is null) is { } missing)
        {
            throw new CommandFailure($"{shown}: mailbox '{missing.Name}' has no settings.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, ImportSettings o, CancellationToken cancellationToken)
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<(string Name, string Reason)>();
        var started = DateTimeOffset.UtcNow;

        async Task ImportAll(Action? advance)
        {
            await Parallel.ForEachAsync(
                _entries,
                new ParallelOptions { MaxDegreeOfParallelism = o.Parallel, CancellationToken = cancellationToken },
                async (entry, _) =>
                {
                    try
                    {
                        await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, entry.Name)).Upsert(entry.Settings);
                    }
                    catch (MailboxException e)
                    {
                        failures.Add((entry.Name, e.Message));
                    }

                    advance?.Invoke();
                });
        }

        if (o.Json || Console.IsOutputRedirected)
        {
            await ImportAll(null);
        }
        else
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Importing {_entries.Count} mailboxes", maxValue: _entries.Count);
                    await ImportAll(() => task.Increment(1));
                });
        }

        var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        var failed = failures.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (o.Json)
        {
            Output.WriteJson(new
            {
                imported = _entries.Count - failed.Count,
                failed = failed.Select(f => new { name = f.Name, reason = f.Reason }),
                seconds,
            });
        }
        else
        {
            Console.WriteLine($"Imported {_entries.Count - failed.Count} of {_entries.Count} mailboxes in {seconds:0.0}s.");
        }

        foreach (var (name, reason) in failed)
        {
            Output.Error($"{name}: {reason}");
        }

        return failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Partial;
    }
}

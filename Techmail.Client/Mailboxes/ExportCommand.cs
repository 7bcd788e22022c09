using System.ComponentModel;
using System.Text.Json;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;
using Techmail.Tenants;

namespace Techmail.Client.Mailboxes;

public sealed class ExportSettings : GlobalSettings
{
    [CommandOption("--output <FILE>"), Description("Write here instead of standard output.")]
    public string? OutputFile { get; init; }

    [CommandOption("--include-secrets"), Description("Write passwords in the clear so the file can be imported elsewhere. Guard the file.")]
    public bool IncludeSecrets { get; init; }
}

public sealed class ExportCommand : TechmailCommand<ExportSettings>
{
    protected override async Task<int> Run(IClusterClient client, ExportSettings o, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var summary in MailboxDirectory.All(client.GetGrain<ITenantGrain>(o.EffectiveTenant)))
        {
            names.Add(summary.Name);
        }

        var entries = new MailboxFileEntry?[names.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, names.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
            async (i, _) =>
            {
                var settings = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, names[i])).Export(o.IncludeSecrets);
                entries[i] = settings is null ? null : new MailboxFileEntry(names[i], settings);
            });

        var json = JsonSerializer.Serialize(entries.OfType<MailboxFileEntry>(), Output.Json);
        if (o.OutputFile is null)
        {
            Console.Out.WriteLine(json);
        }
        else
        {
            // Owner-only, since the file may hold passwords; an existing file is narrowed too, not kept as it was.
            await OwnerOnlyFile.WriteAllText(o.OutputFile, json, cancellationToken);
            Console.Error.WriteLine($"Exported {names.Count} mailboxes to {o.OutputFile}.");
        }

        return ExitCodes.Ok;
    }
}

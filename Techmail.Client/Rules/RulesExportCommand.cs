using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Rules;

namespace Techmail.Client.Rules;

public sealed class RulesExportSettings : GlobalSettings
{
    [CommandOption("--out <FILE>"), Description("Write here instead of standard output.")]
    public string? OutputFile { get; init; }
}

/// <summary>The tenant's rules as canonical JSON, ready for <c>rules import</c>.</summary>
public sealed class RulesExportCommand : TechmailCommand<RulesExportSettings>
{
    protected override async Task<int> Run(IClusterClient client, RulesExportSettings o, CancellationToken cancellationToken)
    {
        // The document is JSON already; --json changes nothing here.
        var json = await client.GetGrain<IRulesGrain>(o.EffectiveTenant).Export();
        if (o.OutputFile is null)
        {
            Console.Out.Write(json);
            return ExitCodes.Ok;
        }

        try
        {
            await File.WriteAllTextAsync(o.OutputFile, json, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"{o.OutputFile}: {e.Message}", ExitCodes.Refused);
        }

        Console.Error.WriteLine($"Exported the rules to {o.OutputFile}.");
        return ExitCodes.Ok;
    }
}

using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Rules;

namespace Techmail.Client.Rules;

public sealed class RulesFileSettings : GlobalSettings
{
    [CommandArgument(0, "<FILE>"), Description("The rules as JSON (docs/rules.md).")]
    public string File { get; init; } = "";
}

/// <summary>Replaces the tenant's rules with a file's, all or nothing.</summary>
public sealed class RulesImportCommand : TechmailCommand<RulesFileSettings>
{
    private string _json = "";

    protected override void Prepare(RulesFileSettings o)
    {
        try
        {
            _json = System.IO.File.ReadAllText(o.File);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"{o.File}: {e.Message}");
        }

        // The same validation the silo runs, here first so a broken file is explained without a silo.
        RuleSetJson.Parse(_json);
    }

    protected override async Task<int> Run(IClusterClient client, RulesFileSettings o, CancellationToken cancellationToken)
    {
        var summary = await client.GetGrain<IRulesGrain>(o.EffectiveTenant).Import(_json);
        if (o.Json)
        {
            Output.WriteJson(summary);
        }
        else
        {
            Console.WriteLine($"Imported {summary.Count} rule{(summary.Count == 1 ? "" : "s")}; the rules are now at version {summary.Version}.");
        }

        return ExitCodes.Ok;
    }
}

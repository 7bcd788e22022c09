using Spectre.Console;
using Techmail.Client.Infrastructure;
using Techmail.Rules;

namespace Techmail.Client.Rules;

public sealed class RulesListCommand : TechmailCommand<GlobalSettings>
{
    protected override async Task<int> Run(IClusterClient client, GlobalSettings o, CancellationToken cancellationToken)
    {
        var rules = await client.GetGrain<IRulesGrain>(o.EffectiveTenant).List();
        if (o.Json)
        {
            Output.WriteJson(rules);
            return ExitCodes.Ok;
        }

        if (rules.Count == 0)
        {
            Console.WriteLine("No rules.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("#", "Name", "Enabled", "Match", "Conditions", "Actions");
        var position = 1;
        foreach (var rule in rules)
        {
            table.AddRow((position++).ToString(), Output.Escape(rule.Name), rule.Enabled ? "yes" : "[grey]no[/]", rule.Match.ToString().ToLowerInvariant(),
                rule.Conditions.ToString(), rule.Actions.ToString());
        }

        AnsiConsole.Write(table);
        Console.WriteLine($"{rules.Count} rule(s), run in this order.");
        return ExitCodes.Ok;
    }
}

using Spectre.Console;
using Techmail.Client.Infrastructure;
using Techmail.Rules;

namespace Techmail.Client.Rules;

internal static class RuleOutcomeRendering
{
    public static void Write(RuleOutcome outcome)
    {
        if (outcome.Trace.Count == 0)
        {
            Console.WriteLine("No rules.");
        }
        else
        {
            var table = new Table().AddColumns("#", "Rule", "Result", "Conditions");
            var position = 1;
            foreach (var rule in outcome.Trace)
            {
                table.AddRow((position++).ToString(), Output.Escape(rule.Name), Verdict(rule.Verdict), Conditions(rule));
            }

            AnsiConsole.Write(table);
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]Queue[/]", Field(outcome.Queue));
        grid.AddRow("[grey]Priority[/]", Field(outcome.Priority));
        grid.AddRow("[grey]Category[/]", Field(outcome.Category));
        grid.AddRow("[grey]Status[/]", Field(outcome.Status?.ToString()));
        grid.AddRow("[grey]Assignee[/]", Field(outcome.Assignee));
        grid.AddRow("[grey]Tags[/]", outcome.Tags.Count == 0 ? "-" : Output.Escape(string.Join(", ", outcome.Tags)));
        grid.AddRow("[grey]Acknowledgement[/]", outcome.SuppressAcknowledgement ? "suppressed" : "sent as usual");
        grid.AddRow("[grey]Rules fired[/]", outcome.Fired.Count == 0 ? "none" : Output.Escape(string.Join(", ", outcome.Fired)));
        AnsiConsole.Write(grid);
    }

    private static string Verdict(RuleVerdict verdict) => verdict switch
    {
        RuleVerdict.Fired => "[green]fired[/]",
        RuleVerdict.NotMatched => "no match",
        RuleVerdict.Disabled => "[grey]disabled[/]",
        _ => "[grey]not reached (an earlier rule stopped)[/]",
    };

    private static string Conditions(RuleTrace rule)
    {
        if (rule.Verdict is RuleVerdict.Disabled or RuleVerdict.NotReached)
        {
            return "";
        }

        if (rule.Conditions.Count == 0)
        {
            return "(every message)";
        }

        return string.Join("\n", rule.Conditions.Select(c => $"{Result(c.Result)} {Output.Escape(c.Condition)}"));
    }

    private static string Result(ConditionResult result) => result switch
    {
        ConditionResult.Matched => "[green]yes[/]",
        ConditionResult.NotMatched => "[red]no[/] ",
        ConditionResult.TimedOut => "[red]timed out[/]",
        _ => "[grey]skipped[/]",
    };

    private static string Field(string? value) => value is null ? "[grey](unchanged)[/]" : Output.Escape(value);
}

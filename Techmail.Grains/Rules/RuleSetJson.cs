using Techmail.Mailboxes;

namespace Techmail.Rules;

/// <summary>The rules file format: <c>{"rules": [...]}</c>, described in docs/rules.md.</summary>
public static class RuleSetJson
{
    /// <summary>Reads and validates a rules document; all or nothing.</summary>
    /// <exception cref="RulesException">Lists every problem found, each with the JSON path at fault.</exception>
    public static RuleSet Parse(string json)
    {
        var (set, problems) = RuleSetReader.Read(json);
        return set ?? throw RulesException.Invalid(problems);
    }

    /// <summary>Like <see cref="Parse"/>, returning the problems instead of throwing them.</summary>
    public static RuleSet? TryParse(string json, out IReadOnlyList<ValidationError> problems)
    {
        (var set, problems) = RuleSetReader.Read(json);
        return set;
    }

    /// <summary>Canonical, indented JSON: what <see cref="Parse"/> reads back to the same rules and the same text.</summary>
    public static string Write(RuleSet rules) => RuleSetWriter.Write(rules);
}

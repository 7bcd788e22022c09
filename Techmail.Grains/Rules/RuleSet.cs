namespace Techmail.Rules;

/// <summary>A tenant's rules, validated and compiled, in the order they run. Build one with <see cref="RuleSetJson.Parse"/>.</summary>
public sealed class RuleSet
{
    public RuleSet(IReadOnlyList<Rule> rules) => Rules = rules;

    public static RuleSet Empty { get; } = new([]);

    public IReadOnlyList<Rule> Rules { get; }
}

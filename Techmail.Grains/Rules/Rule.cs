namespace Techmail.Rules;

/// <summary>One rule: when its conditions hold (all or any of them), its actions apply.</summary>
public sealed record Rule(string Name, bool Enabled, RuleMatch Match, IReadOnlyList<RuleCondition> Conditions, RuleActions Actions);

namespace Techmail.Rules;

/// <summary>How a rule combines its conditions.</summary>
public enum RuleMatch
{
    All,
    Any,
}

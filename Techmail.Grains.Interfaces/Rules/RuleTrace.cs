namespace Techmail.Rules;

public enum RuleVerdict
{
    Fired,
    NotMatched,
    Disabled,

    /// <summary>An earlier rule fired with <c>stop</c>.</summary>
    NotReached,
}

public enum ConditionResult
{
    Matched,
    NotMatched,

    /// <summary>The regex ran out of time; the condition counts as false, negated or not.</summary>
    TimedOut,

    /// <summary>Not looked at: the rule's outcome was already decided by earlier conditions.</summary>
    Skipped,
}

/// <param name="Condition">The condition as an admin reads it, e.g. <c>subject contains 'invoice'</c>.</param>
[GenerateSerializer, Immutable, Alias("Techmail.ConditionTrace")]
public sealed record ConditionTrace([property: Id(0)] string Condition, [property: Id(1)] ConditionResult Result);

/// <summary>How one rule went for one message.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.RuleTrace")]
public sealed record RuleTrace(
    [property: Id(0)] string Name,
    [property: Id(1)] RuleVerdict Verdict,
    [property: Id(2)] IReadOnlyList<ConditionTrace> Conditions);

using Techmail.Incidents;

namespace Techmail.Rules;

/// <summary>What a tenant's rules decide for one message. Null fields were set by no rule: the intake's default stands.</summary>
/// <param name="Tags">Every tag added by a fired rule, first spelling kept, in the order the rules added them.</param>
/// <param name="Fired">Names of the rules that fired, in rule order; every incident records this list.</param>
/// <param name="Trace">One entry per rule in rule order, fired or not, so an admin can see why.</param>
[GenerateSerializer, Immutable, Alias("Techmail.RuleOutcome")]
public sealed record RuleOutcome(
    [property: Id(0)] string? Queue,
    [property: Id(1)] string? Priority,
    [property: Id(2)] string? Category,
    [property: Id(3)] IncidentStatus? Status,
    [property: Id(4)] string? Assignee,
    [property: Id(5)] IReadOnlyList<string> Tags,
    [property: Id(6)] bool SuppressAcknowledgement,
    [property: Id(7)] IReadOnlyList<string> Fired,
    [property: Id(8)] IReadOnlyList<RuleTrace> Trace)
{
    /// <summary>What no rules at all decide.</summary>
    public static RuleOutcome None { get; } = new(null, null, null, null, null, [], false, [], []);
}

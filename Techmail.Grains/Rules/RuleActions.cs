using Techmail.Incidents;

namespace Techmail.Rules;

/// <summary>What a fired rule does. Null or empty: the rule leaves that field alone.</summary>
public sealed record RuleActions(
    string? Queue = null,
    string? Priority = null,
    string? Category = null,
    IncidentStatus? Status = null,
    string? Assignee = null,
    IReadOnlyList<string>? AddTags = null,
    bool SuppressAcknowledgement = false,
    bool Stop = false)
{
    public IReadOnlyList<string> Tags => AddTags ?? [];

    /// <summary>How many things the rule does, as <c>rules list</c> counts them.</summary>
    public int Count =>
        new object?[] { Queue, Priority, Category, Status, Assignee }.Count(v => v is not null)
        + (Tags.Count > 0 ? 1 : 0)
        + (SuppressAcknowledgement ? 1 : 0)
        + (Stop ? 1 : 0);
}

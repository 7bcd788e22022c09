namespace Techmail.Incidents;

/// <summary>Reads incident lists straight from storage. Stateless: any silo, many at once.</summary>
[Alias("Techmail.IIncidentListGrain")]
public interface IIncidentListGrain : IGrainWithIntegerKey
{
    [Alias("List"), Requires(Permission.ReadWork)]
    Task<IncidentPage> List([TenantArgument] IncidentQuery query);

    /// <summary>How many open (not solved) incidents the tenant has, by status, queue and assignee: the console's queue counts.</summary>
    [Alias("Counts"), Requires(Permission.ReadWork)]
    Task<IReadOnlyList<IncidentCount>> Counts([TenantArgument] string tenant);
}

/// <summary>The open incidents of one status, queue and assignee (null: none set).</summary>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentCount")]
public sealed record IncidentCount(
    [property: Id(0)] IncidentStatus Status,
    [property: Id(1)] string? Queue,
    [property: Id(2)] string? Assignee,
    [property: Id(3)] int Count);

/// <summary>Filters are combined with AND; <see cref="Text"/> matches the subject or the contact's address.</summary>
/// <param name="Before">Paging: only incidents older than this reference (the previous page's <see cref="IncidentPage.Next"/>).</param>
/// <param name="Assignee">Only incidents assigned to this name; the empty string: only those assigned to nobody.</param>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentQuery")]
public sealed record IncidentQuery(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string? Mailbox = null,
    [property: Id(2)] IncidentStatus? Status = null,
    [property: Id(3)] string? Queue = null,
    [property: Id(4)] string? Contact = null,
    [property: Id(5)] string? Text = null,
    [property: Id(6)] int Take = 50,
    [property: Id(7)] string? Before = null,
    [property: Id(8)] string? Assignee = null) : ITenantScoped;

/// <param name="Next">Where the next page starts (pass as <see cref="IncidentQuery.Before"/>), null on the last page.</param>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentPage")]
public sealed record IncidentPage(
    [property: Id(0)] IReadOnlyList<IncidentSummary> Incidents,
    [property: Id(1)] string? Next);

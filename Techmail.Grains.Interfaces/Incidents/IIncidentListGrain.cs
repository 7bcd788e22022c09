namespace Techmail.Incidents;

/// <summary>Reads incident lists straight from storage. Stateless: any silo, many at once.</summary>
[Alias("Techmail.IIncidentListGrain")]
public interface IIncidentListGrain : IGrainWithIntegerKey
{
    [Alias("List"), Requires(Permission.ReadWork)]
    Task<IncidentPage> List([TenantArgument] IncidentQuery query);
}

/// <summary>Filters are combined with AND; <see cref="Text"/> matches the subject or the contact's address.</summary>
/// <param name="Before">Paging: only incidents older than this reference (the previous page's <see cref="IncidentPage.Next"/>).</param>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentQuery")]
public sealed record IncidentQuery(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string? Mailbox = null,
    [property: Id(2)] IncidentStatus? Status = null,
    [property: Id(3)] string? Queue = null,
    [property: Id(4)] string? Contact = null,
    [property: Id(5)] string? Text = null,
    [property: Id(6)] int Take = 50,
    [property: Id(7)] string? Before = null) : ITenantScoped;

/// <param name="Next">Where the next page starts (pass as <see cref="IncidentQuery.Before"/>), null on the last page.</param>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentPage")]
public sealed record IncidentPage(
    [property: Id(0)] IReadOnlyList<IncidentSummary> Incidents,
    [property: Id(1)] string? Next);

namespace Techmail.Bounces;

/// <summary>A row of the bounce list: one recipient of one bounce message.</summary>
/// <param name="TiedTo">The mail this tenant sent that the report is about ("message-id:ID"); null when it is not tied.</param>
/// <param name="Untied">
/// Why the report is not tied to mail this tenant sent (it then changed no address); null when tied, and for rows
/// recorded before reports were tied.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.BounceRecord")]
public sealed record BounceRecord(
    [property: Id(0)] string Mailbox,
    [property: Id(1)] string Address,
    [property: Id(2)] string Reason,
    [property: Id(3)] bool? HardBounce,
    [property: Id(4)] string? Status,
    [property: Id(5)] string? ReplyCode,
    [property: Id(6)] string? Diagnostic,
    [property: Id(7)] string? Mailing,
    [property: Id(8)] DateTimeOffset Received,
    [property: Id(9)] string MessageKey,
    [property: Id(10)] string? TiedTo = null,
    [property: Id(11)] string? Untied = null);

/// <param name="After">Paging: only rows older than this one (the previous page's <see cref="Paging.ListPage{T}.Next"/>).</param>
[GenerateSerializer, Immutable, Alias("Techmail.BounceQuery")]
public sealed record BounceQuery(
    [property: Id(0)] string? Mailbox = null,
    [property: Id(1)] string? Reason = null,
    [property: Id(2)] bool? Hard = null,
    [property: Id(3)] string? Address = null,
    [property: Id(4)] DateTimeOffset? Since = null,
    [property: Id(5)] int Take = 100,
    [property: Id(6)] Paging.ListPosition? After = null);

/// <summary>A tenant's bounces and address list, read from the relational read model. Key: the tenant name.</summary>
[Alias("Techmail.IBounceDirectoryGrain")]
public interface IBounceDirectoryGrain : IGrainWithStringKey
{
    [Alias("List"), Requires(Permission.ReadSettings)]
    Task<Paging.ListPage<BounceRecord>> List(BounceQuery query);

    /// <summary>Addresses the tenant must not mail: invalid or opted out, in address order, after <paramref name="after"/> when given.</summary>
    [Alias("Invalid"), Requires(Permission.ReadWork)]
    Task<Paging.ListPage<AddressStatus>> Invalid(int take, Paging.ListPosition? after = null);
}

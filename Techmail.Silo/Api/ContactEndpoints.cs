using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Bounces;
using Techmail.Contacts;
using Techmail.Incidents;

namespace Techmail.Silo.Api;

/// <summary>An address as <c>contact show</c> gives it: its bounce state and history, its contact and newest incidents.</summary>
public sealed record ContactReport(AddressStatus Address, ContactView? Contact, IReadOnlyList<IncidentSummary> Incidents);

/// <summary>Contacts, invalid addresses and bounces: what <c>techmail contact ...</c> and <c>bounce list</c> do.</summary>
public static class ContactEndpoints
{
    public static RouteGroupBuilder MapContactApi(this RouteGroupBuilder api)
    {
        var contacts = api.MapGroup("/contacts").WithTags("Contacts and bounces");
        contacts.MapGet("/{address}", Show).WithSummary("An address: its service contact and newest incidents, bounce history and invalid flag");
        contacts.MapPost("/{address}/revalidate", Revalidate).WithSummary("Vouch for an address again: valid, opted in, soft-bounce count cleared");
        api.MapGet("/invalid-addresses", Invalid).WithTags("Contacts and bounces").WithSummary("Addresses not to mail: invalid or opted out, in address order, a page at a time");
        api.MapGet("/bounces", Bounces).WithTags("Contacts and bounces").WithSummary("Bounces received by Marketing mailboxes, newest first, filtered as bounce list filters them, a page at a time");
        return api;
    }

    private static async Task<Ok<ContactReport>> Show(string address, string? tenant, HttpContext context, IGrainFactory grains)
    {
        var tenantName = ApiRequest.Tenant(context, tenant);
        var key = AddressKey.For(tenantName, address);
        var status = await grains.GetGrain<IAddressGrain>(key).Get();
        var contact = await grains.GetGrain<IContactGrain>(key).Get();
        var incidents = await grains.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(tenantName, Contact: address, Take: 20));
        return TypedResults.Ok(new ContactReport(status, contact, incidents.Incidents));
    }

    private static async Task<Ok<AddressStatus>> Revalidate(string address, string? tenant, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IAddressGrain>(AddressKey.For(ApiRequest.Tenant(context, tenant), address)).Revalidate());

    private static async Task<Ok<Page<AddressStatus>>> Invalid(string? tenant, string? cursor, int? limit, HttpContext context, IGrainFactory grains)
    {
        var page = await grains.GetGrain<IBounceDirectoryGrain>(ApiRequest.Tenant(context, tenant))
            .Invalid(ApiPaging.Limit(limit, 1000, AddressStore.MaxTake), ApiPaging.Position(PagedList.InvalidAddresses, cursor, PositionShape.Name));
        return TypedResults.Ok(ApiPaging.Of(PagedList.InvalidAddresses, page));
    }

    private static async Task<Ok<Page<BounceRecord>>> Bounces(
        string? tenant, string? mailbox, string? reason, bool? hard, bool? soft, string? address, string? since, string? cursor, int? limit,
        HttpContext context, IGrainFactory grains)
    {
        if (hard == true && soft == true)
        {
            throw new ApiInputException(nameof(soft), "hard and soft cannot be asked for together");
        }

        if (reason is not null && !BounceReasons.TryParse(reason, out _))
        {
            throw new ApiInputException(nameof(reason), $"'{reason}' is not a reason ({string.Join(", ", Enum.GetValues<BounceReason>().Select(BounceReasons.ToLabel))})");
        }

        var query = new BounceQuery(mailbox, reason, hard == true ? true : soft == true ? false : null, address,
            ApiRequest.Date(nameof(since), since), ApiPaging.Limit(limit, 100, BounceStore.MaxTake),
            ApiPaging.Position(PagedList.Bounces, cursor, PositionShape.TimeAndTwoKeys));
        return TypedResults.Ok(ApiPaging.Of(PagedList.Bounces, await grains.GetGrain<IBounceDirectoryGrain>(ApiRequest.Tenant(context, tenant)).List(query)));
    }
}

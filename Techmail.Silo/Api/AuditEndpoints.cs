using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Audit;
using Techmail.Silo.Http;

namespace Techmail.Silo.Api;

/// <summary>The audit log: what <c>techmail audit list</c> does.</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", List).WithTags("Audit")
            .WithSummary("Who changed what and when, newest first, a page at a time, with each setting before and after (secrets masked); an operator without tenant= reads every tenant's");
        return api;
    }

    private static async Task<Ok<Page<AuditEntry>>> List(string? tenant, string? since, string? cursor, int? limit, HttpContext context, IGrainFactory grains)
    {
        // Unlike the other lists the log is not the default tenant's when none is named: an operator, who answers for
        // every tenant, reads them all, as 'audit list' does; anyone else reads their own tenant's.
        var scope = string.IsNullOrWhiteSpace(tenant) ? context.Caller()?.Tenant : tenant.Trim();
        var query = new AuditQuery(scope, ApiRequest.Date(nameof(since), since), ApiPaging.Limit(limit, 100, AuditStore.MaxTake),
            ApiPaging.Position(PagedList.Audit, cursor, PositionShape.TimeAndId));
        return TypedResults.Ok(ApiPaging.Of(PagedList.Audit, await grains.GetGrain<IAuditLogGrain>(0).List(query)));
    }
}

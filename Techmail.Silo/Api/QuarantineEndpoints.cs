using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Quarantine;

namespace Techmail.Silo.Api;

/// <summary>A quarantined message as <c>quarantine show</c> gives it, with how its reprocessing went when it was.</summary>
public sealed record QuarantineReport(QuarantinedMessage Message, ReprocessOutcome? Outcome);

/// <summary>Messages kept raw because they could not be handled: what <c>techmail quarantine ...</c> does.</summary>
public static class QuarantineEndpoints
{
    public static RouteGroupBuilder MapQuarantineApi(this RouteGroupBuilder api)
    {
        var quarantine = api.MapGroup("/quarantine").WithTags("Quarantine");
        quarantine.MapGet("", ListMessages).WithSummary("Quarantined messages, newest first, a page at a time; all=true includes reprocessed and dropped ones");
        quarantine.MapGet("/{id}", Show).WithSummary("One quarantined message and how its reprocessing went");
        quarantine.MapGet("/{id}/raw", Raw).WithSummary("The message exactly as it came from the server (message/rfc822)");
        quarantine.MapPost("/{id}/reprocess", Reprocess).WithSummary("Screen the message again and hand it on; answers once that is recorded");
        quarantine.MapDelete("/{id}", Drop).WithSummary("Drop a held message");
        return api;
    }

    private static IQuarantineGrain Grain(IGrainFactory grains, HttpContext context, string? tenant) =>
        grains.GetGrain<IQuarantineGrain>(ApiRequest.Tenant(context, tenant));

    private static async Task<Ok<Page<QuarantinedMessage>>> ListMessages(
        string? tenant, string? mailbox, bool? all, string? cursor, int? limit, HttpContext context, IGrainFactory grains)
    {
        var page = await Grain(grains, context, tenant).List(
            mailbox, all == true, ApiPaging.Limit(limit, 100, QuarantineStore.MaxTake), ApiPaging.Position(PagedList.Quarantine, cursor, PositionShape.TimeAndKey));
        return TypedResults.Ok(ApiPaging.Of(PagedList.Quarantine, page));
    }

    private static async Task<Results<Ok<QuarantineReport>, ProblemHttpResult>> Show(string id, string? tenant, HttpContext context, IGrainFactory grains)
    {
        var grain = Grain(grains, context, tenant);
        if (await grain.Get(id) is not { } message)
        {
            return NotFound(id);
        }

        var outcome = message.State is QuarantineState.Reprocessed or QuarantineState.Held ? await grain.Outcome(id) : null;
        return TypedResults.Ok(new QuarantineReport(message, outcome));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Raw(string id, string? tenant, HttpContext context, IGrainFactory grains)
    {
        var grain = Grain(grains, context, tenant);
        if (await grain.GetRaw(id) is not { } raw)
        {
            return NotFound(id);
        }

        if (raw.Length == 0 && await grain.Get(id) is { State: QuarantineState.Dropped, Size: > 0 })
        {
            // The retention sweep empties a dropped message's bytes; the row stays.
            return ApiProblems.Problem(StatusCodes.Status410Gone, "Gone", $"quarantined message '{id}' was dropped and its bytes are no longer kept.");
        }

        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(raw, "message/rfc822", $"{id}.eml");
    }

    private static async Task<Ok<ReprocessOutcome>> Reprocess(string id, string? tenant, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(await Grain(grains, context, tenant).Reprocess(id));

    private static async Task<Results<NoContent, ProblemHttpResult>> Drop(string id, string? tenant, HttpContext context, IGrainFactory grains) =>
        await Grain(grains, context, tenant).Drop(id)
            ? TypedResults.NoContent()
            : ApiProblems.NotFound($"no held quarantined message '{id}'.");

    private static ProblemHttpResult NotFound(string id) => ApiProblems.NotFound($"quarantined message '{id}' does not exist.");
}

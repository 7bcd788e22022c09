using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Access;
using Techmail.Mailboxes;
using Techmail.Mailings;
using Techmail.Security;
using Techmail.Silo.Api;

namespace Techmail.Silo.Mailings;

/// <summary>A mailing as the HTTP API takes it: the message file and recipient list as text, the rest as the CLI's options.</summary>
public sealed record MailingRequest(
    string Mailbox,
    string? Name,
    string? RequestId,
    string Message,
    string Recipients,
    int? RatePerMinute,
    double? RetryWindowDays);

/// <summary>
/// Mailings over HTTP: the API's <c>mailings</c> resources (what <c>techmail mailing</c> does, through the same
/// <see cref="MailingSubmission"/>), and the one-click unsubscribe endpoint of RFC 8058, which needs no sign-in since
/// its link is signed for exactly one recipient of one mailing.
/// </summary>
public static class MailingEndpoints
{
    // The list and message of a large mailing fit; anything beyond is not one.
    private const long MaxRequest = 64L << 20;

    /// <summary>Maps the API's mailing routes on the group the API owns (the lead mounts it under /api/v1).</summary>
    public static RouteGroupBuilder MapMailingApi(this RouteGroupBuilder api)
    {
        api.MapPost("/mailings", Create).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxRequest));
        api.MapGet("/mailings", List).WithSummary("The tenant's mailings, newest first, a page at a time");
        api.MapGet("/mailings/{id:long}", async (HttpContext context, IGrainFactory grains, string? tenant, long id) =>
            await Mailing(context, grains, tenant, id).Report() is { } report ? Results.Json(report) : ApiProblems.NotFound($"mailing {id} does not exist."));
        api.MapPost("/mailings/{id:long}/pause", async (HttpContext context, IGrainFactory grains, string? tenant, long id) =>
            Results.Json(await Mailing(context, grains, tenant, id).Pause()));
        api.MapPost("/mailings/{id:long}/resume", async (HttpContext context, IGrainFactory grains, string? tenant, long id) =>
            Results.Json(await Mailing(context, grains, tenant, id).Resume()));
        api.MapPost("/mailings/{id:long}/cancel", async (HttpContext context, IGrainFactory grains, string? tenant, long id) =>
            Results.Json(await Mailing(context, grains, tenant, id).Cancel()));
        return api;
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<Page<MailingSummary>>> List(
        HttpContext context, IGrainFactory grains, string? tenant, string? cursor, int? limit)
    {
        var page = await grains.GetGrain<IMailingListGrain>(ApiRequest.Tenant(context, tenant))
            .List(ApiPaging.Limit(limit, 100, MailingStore.MaxListTake), ApiPaging.Position(PagedList.Mailings, cursor, PositionShape.Id));
        return TypedResults.Ok(ApiPaging.Of(PagedList.Mailings, page));
    }

    /// <summary>The one-click endpoint on the silo's HTTP host: GET shows a button, POST (RFC 8058) unsubscribes.</summary>
    public static IEndpointRouteBuilder MapMailingUnsubscribe(this IEndpointRouteBuilder app)
    {
        var path = MailingComposer.UnsubscribePath + "/{tenant}/{tag}";
        // A GET never unsubscribes: mail scanners and link previews open links, and RFC 8058 asks for the POST.
        app.MapGet(path, (string tenant, string tag) => Page(
            "Unsubscribe",
            $"""<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>""",
            StatusCodes.Status200OK));
        app.MapPost(path, Unsubscribe).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(8 * 1024));
        return app;
    }

    private static async Task<IResult> Unsubscribe(HttpContext context, IGrainFactory grains, TrackingKeys keys, string tenant, string tag)
    {
        if (!context.Request.HasFormContentType
            || (await context.Request.ReadFormAsync(context.RequestAborted))["List-Unsubscribe"].ToString() != "One-Click")
        {
            return Page("Not unsubscribed", "This address unsubscribes with a POST of List-Unsubscribe=One-Click (RFC 8058).", StatusCodes.Status400BadRequest);
        }

        // The signature is the credential: checked here before any grain is asked, and again by the mailing itself. Anyone
        // may post here, so a tenant that never sent a mailing (or a made-up name) gets no key created for it.
        if (!MailboxKey.IsValidName(tenant) || tag.Length > 200
            || await keys.Existing(tenant, TrackingKeys.Mailing) is not { } key
            || RecipientTag.Read(tag, tenant, key) is not { } read)
        {
            return Page("Not unsubscribed", "This unsubscribe link is not valid.", StatusCodes.Status404NotFound);
        }

        // No person signed in: the call is the engine's own, for the one recipient the signed link names.
        RequestContext.Remove(AccessContext.CheckCallerKey);
        RequestContext.Remove(Caller.ContextKey);
        var done = await grains.GetGrain<IMailingGrain>(MailingKey.For(tenant, read.Mailing)).Unsubscribe(tag);
        return done
            ? Page("Unsubscribed", "You will receive no more of these mailings.", StatusCodes.Status200OK)
            : Page("Not unsubscribed", "This unsubscribe link is not valid.", StatusCodes.Status404NotFound);
    }

    // Refusals (an unknown mailbox, a list with bad lines) are MailboxExceptions: the API's filter answers them as
    // problem details naming the field, like every other endpoint's.
    private static async Task<IResult> Create(HttpContext context, IGrainFactory grains, string? tenant, MailingRequest request)
    {
        var (_, report) = await MailingSubmission.Submit(
            grains,
            ApiRequest.Tenant(context, tenant),
            request.Mailbox,
            request.Name ?? $"mailing {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}",
            request.RequestId ?? Guid.NewGuid().ToString("N"),
            Encoding.UTF8.GetBytes(request.Message ?? ""),
            request.Recipients ?? "",
            request.RatePerMinute,
            request.RetryWindowDays is { } days ? TimeSpan.FromDays(days) : null);
        return Results.Json(report, statusCode: StatusCodes.Status201Created);
    }

    private static IMailingGrain Mailing(HttpContext context, IGrainFactory grains, string? tenant, long id) =>
        grains.GetGrain<IMailingGrain>(MailingKey.For(ApiRequest.Tenant(context, tenant), id));

    private static IResult Page(string title, string body, int status) => Results.Content(
        $"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(title)}</title></head>
        <body><h1>{WebUtility.HtmlEncode(title)}</h1><p>{(body.StartsWith('<') ? body : WebUtility.HtmlEncode(body))}</p></body></html>
        """,
        "text/html; charset=utf-8",
        Encoding.UTF8,
        status);
}

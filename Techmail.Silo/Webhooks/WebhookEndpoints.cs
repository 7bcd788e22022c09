using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Silo.Api;
using Techmail.Silo.Http;
using Techmail.Webhooks;

namespace Techmail.Silo.Webhooks;

/// <param name="Url">Where events are POSTed.</param>
/// <param name="Events">Event names, or ["*"] for all.</param>
public sealed record WebhookAddBody(string? Url, IReadOnlyList<string>? Events);

/// <summary>
/// <c>/webhooks</c> under the API's group: list (GET), add (POST), remove (DELETE /{id}) and test (POST /{id}/test),
/// the same calls as <c>techmail webhook</c>. Every call goes to the grain as the request's verified caller, and the
/// grain's declared permission decides (admins add, remove and test; admins and auditors list); a refusal is the
/// API's 403. The tenant is <c>?tenant=</c>, else the caller's own (an operator's default: <c>default</c>).
/// </summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhookApi(this RouteGroupBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks").WithTags("Webhooks");
        webhooks.MapGet("/", List).WithName("ListWebhooks").WithSummary("The tenant's webhooks, oldest first, with their deliveries queued, delivered and failed.");
        webhooks.MapPost("/", Add).WithName("AddWebhook").WithSummary("Add a webhook; the answer carries its signing secret, shown this once.");
        webhooks.MapDelete("/{id}", Remove).WithName("RemoveWebhook").WithSummary("Remove a webhook and its deliveries.");
        webhooks.MapPost("/{id}/test", Test).WithName("TestWebhook").WithSummary("Send a signed ping event now and return the receiver's answer.");
        return api;
    }

    private static async Task<IResult> List(HttpContext context, IGrainFactory grains, string? tenant) =>
        TypedResults.Ok(await grains.GetGrain<IWebhooksGrain>(ApiRequest.Tenant(context, tenant)).List());

    private static async Task<IResult> Add(HttpContext context, IGrainFactory grains, WebhookAddBody body, string? tenant)
    {
        try
        {
            var created = await grains.GetGrain<IWebhooksGrain>(ApiRequest.Tenant(context, tenant)).Add(new WebhookRequest(body.Url ?? "", body.Events ?? []));
            return TypedResults.Created($"{context.Request.Path.Value?.TrimEnd('/')}/{created.Webhook.Id}", new { secret = created.Secret, webhook = created.Webhook });
        }
        catch (WebhookException refusal)
        {
            return Refused(refusal);
        }
    }

    private static async Task<IResult> Remove(HttpContext context, IGrainFactory grains, string id, string? tenant)
    {
        var name = ApiRequest.Tenant(context, tenant);
        return await grains.GetGrain<IWebhooksGrain>(name).Remove(id)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"tenant '{name}' has no webhook '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "No such webhook");
    }

    private static async Task<IResult> Test(HttpContext context, IGrainFactory grains, string id, string? tenant)
    {
        try
        {
            var result = await grains.GetGrain<IWebhooksGrain>(ApiRequest.Tenant(context, tenant)).Test(id);
            // The ping was sent either way: what the receiver answered is the result, not an error of this call.
            return TypedResults.Ok(new
            {
                webhook = result.Webhook,
                eventId = result.EventId,
                delivered = result.Delivered,
                status = result.Status,
                body = result.Body,
                elapsedMs = (long)result.Elapsed.TotalMilliseconds,
                error = result.Error,
            });
        }
        catch (WebhookException refusal)
        {
            return Refused(refusal);
        }
    }

    /// <summary>An invalid request names its field (the engine's message starts with it); a missing webhook is a 404.</summary>
    private static IResult Refused(WebhookException refusal)
    {
        if (refusal.Kind == WebhookErrorKind.NotFound)
        {
            return TypedResults.Problem(refusal.Message, statusCode: StatusCodes.Status404NotFound, title: "No such webhook");
        }

        var colon = refusal.Message.IndexOf(':', StringComparison.Ordinal);
        var field = colon > 0 && refusal.Message[..colon] is "url" or "events" ? refusal.Message[..colon] : "webhook";
        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [refusal.Message] }, title: "The webhook was refused");
    }
}

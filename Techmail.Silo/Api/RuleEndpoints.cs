using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Bounces;
using Techmail.Contacts;
using Techmail.Incidents.Parsing;
using Techmail.Rules;

namespace Techmail.Silo.Api;

/// <summary>
/// The tenant's business rules: get and set the one JSON document (docs/rules.md) with its version as ETag, validate a
/// document without storing it, list the rules, and test them on a posted message; what <c>techmail rules ...</c> does.
/// </summary>
public static class RuleEndpoints
{
    /// <summary>The most a posted rules file or test message may weigh.</summary>
    private const int MaxBody = 32 * 1024 * 1024;

    public static RouteGroupBuilder MapRuleApi(this RouteGroupBuilder api)
    {
        var rules = api.MapGroup("/rules").WithTags("Rules");
        rules.MapGet("", Get).WithSummary("The rules as canonical JSON (docs/rules.md); the ETag is their version");
        rules.MapPut("", Set).WithSummary("Replace all rules with the posted JSON, or nothing at all; needs If-Match with the ETag read")
            .Accepts<object>("application/json");
        rules.MapGet("/summary", List).WithSummary("The rules in the order they run: enabled, all/any, counts of conditions and actions");
        rules.MapPost("/validate", Validate).WithSummary("Read posted rules JSON as a set would, store nothing: the rules, or every problem with its JSON path")
            .Accepts<object>("application/json");
        rules.MapPost("/test", Test).WithSummary("Which rules a posted message (message/rfc822) would fire and the fields it would get; changes nothing")
            .Accepts<byte[]>("message/rfc822");
        return api;
    }

    private static IRulesGrain Grain(IGrainFactory grains, HttpContext context, string? tenant) =>
        grains.GetGrain<IRulesGrain>(ApiRequest.Tenant(context, tenant));

    private static async Task<ContentHttpResult> Get(string? tenant, HttpContext context, IGrainFactory grains)
    {
        var document = await Grain(grains, context, tenant).Get();
        ApiETags.Set(context, document.Version);
        return TypedResults.Text(document.Json, "application/json", Encoding.UTF8);
    }

    private static async Task<Ok<RuleImportSummary>> Set(string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var expected = ApiETags.Version(ApiETags.Required(context.Request));
        var json = await Text(context.Request, cancellationToken);
        var summary = await Grain(grains, context, tenant).Import(json, expected);
        ApiETags.Set(context, summary.Version);
        return TypedResults.Ok(summary);
    }

    private static async Task<Ok<IReadOnlyList<RuleSummary>>> List(string? tenant, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(await Grain(grains, context, tenant).List());

    private static async Task<Ok<IReadOnlyList<RuleSummary>>> Validate(string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok(await Grain(grains, context, tenant).Validate(await Text(context.Request, cancellationToken)));

    /// <param name="update">Judge the message as a reply to an existing incident.</param>
    /// <param name="contactKnown">Judge it as from a known contact (true) or an unknown sender (false); left out, whether the sender is a contact now.</param>
    private static async Task<Ok<RuleOutcome>> Test(
        string? tenant, string? mailbox, bool? update, bool? contactKnown, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var raw = await Bytes(context.Request, cancellationToken);
        if (raw.Length == 0)
        {
            throw new ApiInputException("body", "post the message file (message/rfc822) as the body");
        }

        var tenantName = ApiRequest.Tenant(context, tenant);
        var known = contactKnown ?? await IsContact(grains, tenantName, raw);
        return TypedResults.Ok(await grains.GetGrain<IRulesGrain>(tenantName).Test(raw, mailbox ?? "", update != true, known));
    }

    /// <summary>As <c>rules test</c> finds out: whether the sender intake would resolve is one of the tenant's contacts.</summary>
    private static async Task<bool> IsContact(IGrainFactory grains, string tenant, byte[] raw)
    {
        var read = CustomerMessageReader.Read(raw, "rules-test");
        return read.IsMessage
            && await grains.GetGrain<IContactGrain>(AddressKey.For(tenant, read.Message.Sender.LookupKey)).Get() is not null;
    }

    private static async Task<string> Text(HttpRequest request, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await Bytes(request, cancellationToken));

    private static async Task<byte[]> Bytes(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBody)
        {
            throw new ApiInputException("body", $"at most {MaxBody / 1024 / 1024} MB", StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.Length <= MaxBody
            ? buffer.ToArray()
            : throw new ApiInputException("body", $"at most {MaxBody / 1024 / 1024} MB", StatusCodes.Status413PayloadTooLarge);
    }
}

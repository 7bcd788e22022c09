using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Access;

namespace Techmail.Silo.Api;

/// <summary>A token to create, as <c>token create</c> takes it; <see cref="Expires"/> is a lifetime such as 90d or 12h.</summary>
public sealed record TokenCreateRequest(string Name, string Role, bool Secrets, string? Expires);

/// <summary>A token as listed: everything but the token.</summary>
public sealed record TokenView(string Name, string? Tenant, string Role, bool Secrets, DateTimeOffset Created, DateTimeOffset? Expires, DateTimeOffset? Revoked, string CreatedBy)
{
    public static TokenView Of(TokenInfo t) =>
        new(t.Name, t.Tenant, t.Role.ToString().ToLowerInvariant(), t.ReadSecrets, t.Created, t.Expires, t.Revoked, t.CreatedBy);
}

/// <summary>A new token: shown this once.</summary>
public sealed record TokenCreated(string Token, TokenView Info);

/// <summary>The tenant's (or the operators') access tokens: what <c>techmail token ...</c> does.</summary>
public static class TokenEndpoints
{
    public static RouteGroupBuilder MapTokenApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapGet("", ListTokens).WithSummary("The tenant's tokens (operators=true: the operators'), never the tokens themselves");
        tokens.MapPost("", Create).WithSummary("Create a token for the tenant; the answer holds it, the only time it is shown")
            .Accepts<TokenCreateRequest>("application/json");
        tokens.MapDelete("/{name}", Revoke).WithSummary("Revoke a token by name (operator=true: an operator's)");
        return api;
    }

    private static string Key(HttpContext context, string? tenant, bool? operators) =>
        operators == true ? ITokenGrain.Operators : ApiRequest.Tenant(context, tenant);

    private static async Task<Ok<IEnumerable<TokenView>>> ListTokens(string? tenant, bool? operators, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<ITokenGrain>(Key(context, tenant, operators)).List()).Select(TokenView.Of));

    private static async Task<Created<TokenCreated>> Create(string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var request = await ApiRequest.Json<TokenCreateRequest>(context.Request, cancellationToken);
        var role = request.Role?.ToLowerInvariant() switch
        {
            "admin" => Role.Admin,
            "agent" => Role.Agent,
            "auditor" => Role.Auditor,
            _ => throw new ApiInputException("role", $"admin, agent or auditor, not '{request.Role}'"),
        };
        DateTimeOffset? expires = request.Expires is null ? null : DateTimeOffset.UtcNow + Lifetime(request.Expires);
        var issued = await grains.GetGrain<ITokenGrain>(ApiRequest.Tenant(context, tenant)).Create(new TokenRequest(request.Name ?? "", role, request.Secrets, expires));
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created("/api/v1/tokens", new TokenCreated(issued.Token, TokenView.Of(issued.Info)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(string name, string? tenant, bool? @operator, HttpContext context, IGrainFactory grains) =>
        await grains.GetGrain<ITokenGrain>(Key(context, tenant, @operator)).Revoke(name)
            ? TypedResults.NoContent()
            : ApiProblems.NotFound($"no live token named '{name}'.");

    /// <summary>90d, 12h, 30m: a lifetime as <c>token create --expires</c> reads it.</summary>
    private static TimeSpan Lifetime(string text)
    {
        var unit = text.Length > 1 ? text[^1] : ' ';
        return long.TryParse(text.AsSpan(0, Math.Max(0, text.Length - 1)), System.Globalization.NumberStyles.None, null, out var n) && n > 0 && unit is 'd' or 'h' or 'm'
            ? unit switch { 'd' => TimeSpan.FromDays(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromMinutes(n) }
            : throw new ApiInputException("expires", $"'{text}': a lifetime such as 90d, 12h or 30m");
    }
}

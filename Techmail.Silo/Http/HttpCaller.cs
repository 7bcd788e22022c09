using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Techmail.Access;

namespace Techmail.Silo.Http;

/// <summary>
/// A verified <see cref="Caller"/> as ASP.NET Core carries it: a principal whose role claim is the caller's role, so
/// endpoints ask for roles with ordinary authorization policies.
/// </summary>
public static class HttpCaller
{
    private const string TenantClaim = "techmail:tenant", SecretsClaim = "techmail:secrets", TokenClaim = "techmail:token";

    public static ClaimsPrincipal Principal(Caller caller, string tokenId)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, caller.Name),
            new(ClaimTypes.Role, caller.Role.ToString()),
            new(SecretsClaim, caller.ReadSecrets ? "true" : "false"),
            new(TokenClaim, tokenId),
        };
        if (caller.Tenant is { } tenant)
        {
            claims.Add(new Claim(TenantClaim, tenant));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, TokenAuthentication.Scheme));
    }

    /// <summary>The caller the request was verified as, or null when it was not.</summary>
    public static Caller? Of(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, AuthenticationType: TokenAuthentication.Scheme, Name: { } name }
        && Enum.TryParse<Role>(user.FindFirstValue(ClaimTypes.Role), out var role)
            ? new Caller(name, role, user.FindFirstValue(TenantClaim), user.FindFirstValue(SecretsClaim) == "true")
            : null;

    public static Caller? Caller(this HttpContext context) => Of(context.User);

    /// <summary>The id of the token (or of the session's token) the request was verified with, never the token itself.</summary>
    public static string? TokenId(this HttpContext context) => context.User.FindFirstValue(TokenClaim);
}

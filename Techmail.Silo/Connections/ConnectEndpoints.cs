using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Access;
using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Silo.Http;

namespace Techmail.Silo.Connections;

/// <summary>
/// The redirect flow of delegated consent (authorization code with PKCE S256) for the web console's "connect" button:
/// <c>GET /connections/{tenant}/{mailbox}/start</c> (signed in; the grain call checks the caller may manage the
/// tenant's settings) sends the browser to the provider's consent page, and <c>GET /connections/callback</c> is the
/// redirect URI registered at the provider. The state is random, used once, expires in ten minutes, and names the
/// mailbox and the admin who started; a cookie set at the start ties the callback to the same browser. The session
/// cookie is SameSite=Strict and does not come along on the provider's redirect, so the callback checks the admin's
/// token again by its id and exchanges the code in their name.
/// </summary>
public static class ConnectEndpoints
{
    public const string CallbackPath = "/connections/callback";

    /// <summary>The browser-binding cookie: Lax, so it comes along on the provider's top-level redirect back.</summary>
    public const string BindingCookie = "techmail_connect";

    /// <summary>Any verified caller; what they may do is the grain's declared permission, checked on the call.</summary>
    public const string SignedIn = "techmail-signed-in";

    public static IServiceCollection AddTechmailConnections(this IServiceCollection services)
    {
        services.AddSingleton<PendingConnections>();
        services.AddAuthorizationBuilder().AddPolicy(SignedIn, policy => policy
            .AddAuthenticationSchemes(TokenAuthentication.Scheme)
            .RequireAuthenticatedUser());
        return services;
    }

    public static IEndpointRouteBuilder MapTechmailConnections(this IEndpointRouteBuilder app)
    {
        app.MapGet("/connections/{tenant}/{mailbox}/start", Start).RequireAuthorization(SignedIn);
        app.MapGet(CallbackPath, Callback);
        return app;
    }

    /// <summary>The redirect URI this silo answers on, as the provider must have it registered.</summary>
    public static string RedirectUri(HttpRequest request) => $"{request.Scheme}://{request.Host}{CallbackPath}";

    private static async Task<IResult> Start(HttpContext context, string tenant, string mailbox, PendingConnections pending, IGrainFactory grains)
    {
        if (!MailboxKey.IsValidName(tenant) || !MailboxKey.IsValidName(mailbox))
        {
            return Problem(context, StatusCodes.Status400BadRequest, "the tenant and mailbox names are letters, digits, '.', '_' or '-'.");
        }

        var key = MailboxKey.For(tenant, mailbox);
        var redirect = RedirectUri(context.Request);
        var (state, started) = pending.Begin(key, redirect, context.Caller()!, context.TokenId()!);
        string url;
        try
        {
            url = await grains.GetGrain<IMailboxGrantGrain>(key).AuthorizationUrl(redirect, state, started.Pkce.Challenge);
        }
        catch (AccessDeniedException denied)
        {
            pending.Take(state);
            return Problem(context, StatusCodes.Status403Forbidden, denied.Message);
        }
        catch (MailboxException refused)
        {
            pending.Take(state);
            return Problem(context, refused.Kind == MailboxErrorKind.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest, refused.Message);
        }

        context.Response.Cookies.Append(BindingCookie, started.Binding, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = CallbackPath,
            MaxAge = PendingConnections.Lifetime,
        });
        return Results.Redirect(url);
    }

    private static async Task<IResult> Callback(HttpContext context, PendingConnections pending, TokenVerifier verifier, IGrainFactory grains)
    {
        var query = context.Request.Query;
        if (query["state"].ToString() is not { Length: > 0 } state || pending.Take(state) is not { } started)
        {
            return Problem(context, StatusCodes.Status400BadRequest, "this connection request is unknown, used or expired: start it again from the console.");
        }

        context.Response.Cookies.Delete(BindingCookie, new CookieOptions { Path = CallbackPath });
        var binding = context.Request.Cookies[BindingCookie] ?? "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(binding), Encoding.ASCII.GetBytes(started.Binding)))
        {
            return Problem(context, StatusCodes.Status400BadRequest, "this connection was started in another browser: start it again here.");
        }

        var (tenant, mailbox) = MailboxKey.Parse(started.MailboxKey);
        if (query["error"].ToString() is { Length: > 0 } error)
        {
            // The provider's own words (RFC 6749 4.1.2.1): access_denied when the person said no.
            return Problem(context, StatusCodes.Status400BadRequest, $"mailbox '{mailbox}' was not connected: the provider answered {error}.");
        }

        if (query["code"].ToString() is not { Length: > 0 } code)
        {
            return Problem(context, StatusCodes.Status400BadRequest, "the provider sent no authorization code.");
        }

        var (caller, ended) = await verifier.Recheck(started.TokenId);
        if (caller is null)
        {
            return Problem(context, StatusCodes.Status401Unauthorized, $"the sign-in that started this connection has ended ({ended}); sign in and start again.");
        }

        // The provider's redirect carries no verified caller: the code is exchanged as the admin who started, whose
        // token was just checked, and the access filter checks their permission on the call as for any request.
        RequestContext.Set(Caller.ContextKey, caller);
        try
        {
            var grant = await grains.GetGrain<IMailboxGrantGrain>(started.MailboxKey).CompleteRedirectConnect(code, started.Pkce.Verifier, started.RedirectUri);
            var text = $"Mailbox '{mailbox}' of tenant '{tenant}' is connected{(grant.Account is { } account ? $" as {account}" : "")}.";
            return TokenAuthentication.WantsPage(context.Request)
                ? Results.Content($"<!doctype html><title>Connected</title><p>{WebUtility.HtmlEncode(text)}</p>", "text/html; charset=utf-8")
                : Results.Json(new { tenant, mailbox, connected = true, grant });
        }
        catch (AccessDeniedException denied)
        {
            return Problem(context, StatusCodes.Status403Forbidden, denied.Message);
        }
        catch (MailboxException refused)
        {
            return Problem(context, StatusCodes.Status400BadRequest, refused.Message);
        }
    }

    private static IResult Problem(HttpContext context, int status, string message) =>
        TokenAuthentication.WantsPage(context.Request)
            ? Results.Content($"<!doctype html><title>Not connected</title><p>{WebUtility.HtmlEncode(message)}</p>", "text/html; charset=utf-8", statusCode: status)
            : Results.Json(new { error = message }, statusCode: status);
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Access;
using Techmail.Connections;
using Techmail.Hosting;
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
/// sign-in again (a token by its id, an OpenID Connect sign-in by its session) and exchanges the code in their name.
/// The redirect URI is built from the configured public address only (<see cref="RedirectUri"/>).
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

    /// <summary>What refuses a start on a silo that does not know its public address.</summary>
    public const string PublicUrlMissing =
        "connecting a mailbox needs the console's public address: set Techmail:PublicUrl (TECHMAIL__PUBLICURL) to where "
        + "browsers reach this silo, e.g. https://mail.example.com, and register that address followed by "
        + CallbackPath + " as the redirect URI at the provider.";

    /// <summary>
    /// The redirect URI the provider must have registered: the configured public address (the one mailings' unsubscribe
    /// links start with), never the request's Host header, which whoever sends the request chooses. Null when no public
    /// address is configured: guessing one from the listening address would give the provider a URI nobody reaches.
    /// </summary>
    public static string? RedirectUri(TechmailOptions options) => options.PublicUrl is { } url ? url.TrimEnd('/') + CallbackPath : null;

    private static async Task<IResult> Start(HttpContext context, string tenant, string mailbox, PendingConnections pending, IGrainFactory grains, TechmailOptions options)
    {
        if (!MailboxKey.IsValidName(tenant) || !MailboxKey.IsValidName(mailbox))
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status400BadRequest, "the tenant and mailbox names are letters, digits, '.', '_' or '-'.");
        }

        var back = (tenant, mailbox);
        if (RedirectUri(options) is not { } redirect)
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status503ServiceUnavailable, PublicUrlMissing, back);
        }

        var key = MailboxKey.For(tenant, mailbox);
        var tokenId = context.TokenId()!;
        // A person signed in through OpenID Connect has no token to check again at the callback: their session is.
        var session = tokenId == SignInSessions.OpenIdConnectTokenId ? context.Request.Cookies[TokenAuthentication.CookieName] : null;
        var (state, started) = pending.Begin(key, redirect, context.Caller()!, tokenId, session);
        string url;
        try
        {
            url = await grains.GetGrain<IMailboxGrantGrain>(key).AuthorizationUrl(redirect, state, started.Pkce.Challenge);
        }
        catch (AccessDeniedException denied)
        {
            pending.Take(state);
            return ConnectAnswers.Problem(context, StatusCodes.Status403Forbidden, denied.Message);
        }
        catch (MailboxException refused)
        {
            pending.Take(state);
            return ConnectAnswers.Problem(context, refused.Kind == MailboxErrorKind.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest, refused.Message, back);
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

    private static async Task<IResult> Callback(HttpContext context, PendingConnections pending, TokenVerifier verifier, SignInSessions sessions, IGrainFactory grains)
    {
        var query = context.Request.Query;
        if (query["state"].ToString() is not { Length: > 0 } state || pending.Take(state) is not { } started)
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status400BadRequest, "this connection request is unknown, used or expired: start it again from the console.");
        }

        context.Response.Cookies.Delete(BindingCookie, new CookieOptions { Path = CallbackPath });
        var binding = context.Request.Cookies[BindingCookie] ?? "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(binding), Encoding.ASCII.GetBytes(started.Binding)))
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status400BadRequest, "this connection was started in another browser: start it again here.");
        }

        var (tenant, mailbox) = MailboxKey.Parse(started.MailboxKey);
        var back = (tenant, mailbox);
        if (query["error"].ToString() is { Length: > 0 } error)
        {
            // The provider's own words (RFC 6749 4.1.2.1): access_denied when the person said no.
            return ConnectAnswers.Problem(context, StatusCodes.Status400BadRequest, $"mailbox '{mailbox}' was not connected: the provider answered {error}.", back);
        }

        if (query["code"].ToString() is not { Length: > 0 } code)
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status400BadRequest, "the provider sent no authorization code.", back);
        }

        var (caller, ended) = await StillSignedIn(started, verifier, sessions);
        if (caller is null)
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status401Unauthorized, $"the sign-in that started this connection has ended ({ended}); sign in and start again.", back);
        }

        // The provider's redirect carries no verified caller: the code is exchanged as the admin who started, whose
        // sign-in was just checked, and the access filter checks their permission on the call as for any request.
        RequestContext.Set(Caller.ContextKey, caller);
        try
        {
            var grant = await grains.GetGrain<IMailboxGrantGrain>(started.MailboxKey).CompleteRedirectConnect(code, started.Pkce.Verifier, started.RedirectUri);
            return ConnectAnswers.Connected(context, tenant, mailbox, caller, grant);
        }
        catch (AccessDeniedException denied)
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status403Forbidden, denied.Message, back);
        }
        catch (MailboxException refused)
        {
            return ConnectAnswers.Problem(context, StatusCodes.Status400BadRequest, refused.Message, back);
        }
    }

    /// <summary>
    /// Whether the sign-in that started the redirect still stands: a token's is checked again by its id (revoked,
    /// expired); an OpenID Connect sign-in has no token, so its session must still be open (not signed out, not past
    /// its lifetime) and still be the same person.
    /// </summary>
    private static async Task<(Caller? Caller, string? Ended)> StillSignedIn(PendingConnection started, TokenVerifier verifier, SignInSessions sessions)
    {
        if (started.TokenId != SignInSessions.OpenIdConnectTokenId)
        {
            return await verifier.Recheck(started.TokenId);
        }

        return started.Session is { } session && sessions.PersonOf(session) is { } person && person == started.Caller
            ? (person, null)
            : (null, "the OpenID Connect sign-in was signed out or ran out");
    }
}

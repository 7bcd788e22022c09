using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Access;

namespace Techmail.Silo.Http;

/// <summary>
/// Sign-in and sign-out for browsers. The form posts a token; once <see cref="TokenVerifier"/> accepts it, the browser
/// gets a cookie holding a session id (<see cref="SignInSessions"/>), HttpOnly, SameSite=Strict, Secure when the
/// request came over TLS, expiring with the session. What the caller may then open is each page's policy, not the
/// sign-in's: any valid token signs in, and the dashboard still answers an agent's session with 403. Both forms carry
/// an antiforgery token: without it another site could sign a browser out, or in under the other site's token.
/// </summary>
public static class SignInEndpoints
{
    public const string Path = "/signin", SignOutPath = "/signout";

    // A token is under 100 characters; a bigger form is not a sign-in.
    private const long MaxForm = 8 * 1024;

    public static IEndpointRouteBuilder MapTechmailSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext context) => SignInPage.Write(context, SignInPage.SafeReturn(context.Request.Query["return"]), null));
        app.MapPost(Path, SignIn);
        // Signed in to sign out: the antiforgery token of a console page is bound to the identity it was made for.
        app.MapPost(SignOutPath, SignOut).RequireAuthorization(TokenAuthentication.SignedIn);
        return app;
    }

    private static async Task SignOut(HttpContext context, SignInSessions sessions, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            await RefuseForgery(context);
            return;
        }

        if (context.Request.Cookies[TokenAuthentication.CookieName] is { } session)
        {
            sessions.Close(session);
        }

        ForgetCookie(context);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = Path;
    }

    private static async Task SignIn(HttpContext context, TokenVerifier verifier, SignInSessions sessions, HttpAccessAudit audit, IAntiforgery antiforgery)
    {
        if (!context.Request.HasFormContentType || context.Request.ContentLength is null or > MaxForm)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await SignInPage.Write(context, SignInPage.DefaultReturn, "send the sign-in form");
            return;
        }

        if (!await antiforgery.IsRequestValidAsync(context))
        {
            await RefuseForgery(context);
            return;
        }

        var form = await context.Request.ReadFormAsync();
        var returnPath = SignInPage.SafeReturn(form["return"]);
        var token = form["token"].ToString().Trim();
        var (caller, refusal) = token.Length == 0 ? (null, "no token given") : await verifier.Verify(token);
        if (caller is null || TokenText.IdOf(token) is not { } tokenId)
        {
            refusal ??= "the token is not known to this cluster";
            await audit.Refused(context, "*", HttpAccessAudit.ActorOf(token), refusal);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await SignInPage.Write(context, returnPath, refusal);
            return;
        }

        await audit.SignedIn(context, caller);
        var (session, expires) = sessions.Open(tokenId);
        GiveCookie(context, session, expires);
        // 303: the browser follows with a GET, and a reload does not post the token again.
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = returnPath;
        context.Response.Headers.CacheControl = "no-store";
    }

    /// <summary>A form that did not come from this host's own page (or a page older than the browser's antiforgery cookie).</summary>
    private static async Task RefuseForgery(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await SignInPage.Write(context, SignInPage.DefaultReturn, "the form was not sent from this site's page (or the page is too old); sign in again from this page");
    }

    /// <summary>Gives the browser its session cookie (a token's sign-in here, or an OpenID Connect one).</summary>
    public static void GiveCookie(HttpContext context, string session, DateTimeOffset expires) =>
        context.Response.Cookies.Append(TokenAuthentication.CookieName, session, Cookie(context, expires));

    /// <summary>Tells the browser to drop the cookie (an ended session, a sign-out).</summary>
    public static void ForgetCookie(HttpContext context) =>
        context.Response.Cookies.Delete(TokenAuthentication.CookieName, Cookie(context, DateTimeOffset.UnixEpoch));

    private static CookieOptions Cookie(HttpContext context, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}

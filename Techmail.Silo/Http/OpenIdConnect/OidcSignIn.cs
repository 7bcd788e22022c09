using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Techmail.Silo.WebConsole;

namespace Techmail.Silo.Http.OpenIdConnect;

/// <summary>
/// Signing in to the console through the organisation's OpenID Connect provider, when <see cref="OidcSettings"/> turns
/// it on: the authorization code flow with PKCE, handled by ASP.NET Core's OpenID Connect handler (discovery, the
/// provider's keys, the id token's signature, issuer, audience, nonce and expiry). Once the provider's sign-in is
/// verified, <see cref="OidcRoleMapping"/> decides who the person is in Techmail; they then get the same session cookie
/// as a token's sign-in and are from then on a verified caller like any other, checked by the grains' access filter.
/// The sign-in and every refusal are written to the audit log under the person's name.
/// </summary>
public static class OidcSignIn
{
    public const string Scheme = "techmail-oidc", Path = "/signin/oidc", CallbackPath = "/signin-oidc";

    public static IServiceCollection AddTechmailOpenIdConnect(this IServiceCollection services, OidcSettings? settings)
    {
        if (settings is null)
        {
            return services;
        }

        services.AddSingleton(settings);
        services.AddAuthentication().AddOpenIdConnect(Scheme, o =>
        {
            o.Authority = settings.Authority.ToString();
            // Plain http is allowed to a loopback provider only (OidcSettings refuses it elsewhere).
            o.RequireHttpsMetadata = settings.Authority.Scheme == Uri.UriSchemeHttps;
            o.ClientId = settings.ClientId;
            o.ClientSecret = settings.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.UsePkce = true;
            o.CallbackPath = CallbackPath;
            o.Scope.Clear();
            o.Scope.Add("openid");
            foreach (var scope in settings.Scopes)
            {
                o.Scope.Add(scope);
            }

            // The claims as the provider names them (groups, preferred_username), which is what the mapping names.
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            // The provider's answer comes back by a top-level GET from its site: Lax lets these cookies along, and
            // over plain http (a loopback console) they are not marked Secure, which the browser would then drop.
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // Never used: a verified sign-in is turned into Techmail's own session below and the response ends there.
            o.SignInScheme = TokenAuthentication.Scheme;
            o.Events.OnTicketReceived = SignedIn;
            o.Events.OnRemoteFailure = Failed;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapTechmailOpenIdConnect(this IEndpointRouteBuilder app, OidcSettings? settings)
    {
        if (settings is not null)
        {
            app.MapGet(Path, (HttpContext context) => Results.Challenge(
                new AuthenticationProperties { RedirectUri = SignInPage.SafeReturn(context.Request.Query["return"]) },
                [Scheme]));
        }

        return app;
    }

    private static async Task SignedIn(TicketReceivedContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        var settings = http.RequestServices.GetRequiredService<OidcSettings>();
        var audit = http.RequestServices.GetRequiredService<HttpAccessAudit>();
        var (caller, refusal) = settings.Mapping.Map(context.Principal!);
        if (caller is null)
        {
            var who = context.Principal?.FindFirst("preferred_username")?.Value ?? context.Principal?.FindFirst("sub")?.Value;
            await audit.Refused(http, "*", who is null ? "anonymous" : OidcRoleMapping.NamePrefix + who, refusal!);
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await SignInPage.Write(http, SignInPage.DefaultReturn, $"{settings.DisplayName} signed you in, but Techmail does not let you in: {refusal}");
            return;
        }

        await audit.SignedIn(http, caller);
        var (session, expires) = http.RequestServices.GetRequiredService<SignInSessions>().OpenFor(caller);
        SignInEndpoints.GiveCookie(http, session, expires);
        await Continue(http, SignInPage.SafeReturn(context.Properties?.RedirectUri));
    }

    private static async Task Failed(RemoteFailureContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        var reason = $"the sign-in at the identity provider did not complete: {context.Failure?.Message ?? "no reason given"}";
        await http.RequestServices.GetRequiredService<HttpAccessAudit>().Refused(http, "*", "anonymous", reason);
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await SignInPage.Write(http, SignInPage.DefaultReturn, reason);
    }

    /// <summary>
    /// The answer to the provider's redirect: a page that moves on to the console by itself. Not a redirect, because
    /// the session cookie is SameSite=Strict and a browser still counts a redirect chain that began at the provider's
    /// site as cross-site, so the first page would not get the cookie; a navigation from this page is same-site.
    /// </summary>
    private static Task Continue(HttpContext http, string returnPath)
    {
        var to = WebUtility.HtmlEncode(returnPath);
        http.Response.ContentType = "text/html; charset=utf-8";
        ConsoleHeaders.Apply(http.Response);
        return http.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={{to}}"><title>Techmail: signed in</title></head>
            <body><p>Signed in. <a href="{{to}}">Continue to the console</a>.</p></body>
            </html>
            """);
    }
}

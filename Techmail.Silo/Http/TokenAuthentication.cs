using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Techmail.Access;

namespace Techmail.Silo.Http;

/// <summary>
/// Who an HTTP request comes from, for every page of the silo that is not open to all: an
/// <c>Authorization: Bearer</c> token (scripts) or the session cookie a browser got at <see cref="SignInEndpoints"/>,
/// verified by the same <see cref="TokenVerifier"/> as the gateway's calls. Areas ask for roles with the policies
/// here (<c>RequireAuthorization(TokenAuthentication.Operator)</c>); the dashboard is the first, the web console
/// joins it with policies of its own. A refusal answers 401 (with the sign-in page to a browser) or 403, and a
/// refusal of something presented (a wrong, revoked or expired token, a role that may not) is written to the audit log.
/// The HTTP API uses <see cref="BearerScheme"/>, the same handler without the cookie: a browser sends its cookie with
/// any request another page makes it send, so only what a script must put in a header on purpose is accepted there.
/// </summary>
public static class TokenAuthentication
{
    public const string Scheme = "techmail-token";

    /// <summary>A bearer token only: the session cookie is refused with a 401 that says to use a token (the HTTP API).</summary>
    public const string BearerScheme = "techmail-bearer";

    /// <summary>The policy of pages only operators may see (the Orleans Dashboard shows every tenant's grains).</summary>
    public const string Operator = "techmail-operator";

    /// <summary>
    /// The web console's agent pages: every role that may read a tenant's incidents (agent, admin, auditor, operator).
    /// What each may then do with an incident is the grain's declared permission, checked by the access filter.
    /// </summary>
    public const string Agent = "techmail-agent";

    /// <summary>The web console's administration pages: admins of a tenant and operators.</summary>
    public const string Admin = "techmail-admin";

    /// <summary>Anyone signed in, whatever the role (signing out).</summary>
    public const string SignedIn = "techmail-signed-in";

    public const string CookieName = "techmail_session";

    public static IServiceCollection AddTechmailSignIn(this IServiceCollection services)
    {
        services.AddSingleton<SignInSessions>();
        services.AddSingleton<RefusalThrottle>();
        services.AddSingleton<HttpAccessAudit>();
        // No default scheme: only endpoints that ask for a policy pay for reading tokens; /healthz and /metrics never do.
        services.AddAuthentication()
            .AddScheme<TokenAuthenticationOptions, TokenAuthenticationHandler>(Scheme, null)
            .AddScheme<TokenAuthenticationOptions, TokenAuthenticationHandler>(BearerScheme, o => o.SessionCookie = false);
        services.AddAuthorizationBuilder()
            .AddPolicy(Operator, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole(nameof(Role.Operator)))
            .AddPolicy(Agent, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(nameof(Role.Agent), nameof(Role.Admin), nameof(Role.Auditor), nameof(Role.Operator)))
            .AddPolicy(Admin, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(nameof(Role.Admin), nameof(Role.Operator)))
            .AddPolicy(SignedIn, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>A browser asking for a page gets pages (the sign-in form); anything else gets JSON.</summary>
    internal static bool WantsPage(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
}

/// <summary>What a scheme of <see cref="TokenAuthenticationHandler"/> accepts besides a bearer token.</summary>
public sealed class TokenAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Whether the console's session cookie signs a request in; false for the HTTP API.</summary>
    public bool SessionCookie { get; set; } = true;
}

/// <summary>The handler behind <see cref="TokenAuthentication.Scheme"/> and <see cref="TokenAuthentication.BearerScheme"/>.</summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<TokenAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenVerifier verifier,
    SignInSessions sessions,
    HttpAccessAudit audit) : AuthenticationHandler<TokenAuthenticationOptions>(options, logger, encoder)
{
    private const string ActorItem = "techmail.actor", AuditedItem = "techmail.audited";

    /// <summary>
    /// Why the API refuses a session cookie. The cookie is SameSite=Strict, but a page of a sibling host is the same
    /// site, and a browser would send the cookie with its form: a token in a header is what no other page can add.
    /// </summary>
    public const string CookieRefused =
        "the API takes a token in Authorization: Bearer TOKEN, not the console's session cookie (another page could make a browser send the cookie); create a token with 'techmail token create' or on the console's Tokens page";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Authorization.FirstOrDefault() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            var (caller, refusal) = await verifier.Verify(token);
            return caller is not null && TokenText.IdOf(token) is { } id
                ? Success(caller, id)
                : Refused(refusal ?? "the token is not known to this cluster", HttpAccessAudit.ActorOf(token), audited: true);
        }

        if (Request.Cookies[TokenAuthentication.CookieName] is not { Length: > 0 } session)
        {
            return AuthenticateResult.NoResult();
        }

        if (!Options.SessionCookie)
        {
            // Not audited: a signed-in person opening an API address in the browser is no attack, and a forged
            // request is refused before it does anything. The session itself stays good for the console.
            return Refused(CookieRefused, "anonymous", audited: false);
        }

        if (sessions.TokenIdOf(session) is not { } tokenId)
        {
            // Ended or unknown (the silo restarted): a sign-in page, not an incident worth the audit log.
            return Refused("the session has ended; sign in again", "anonymous", audited: false);
        }

        if (sessions.PersonOf(session) is { } person)
        {
            // Signed in through OpenID Connect: no token stands behind the session to recheck.
            return Success(person, tokenId);
        }

        var (signedIn, ended) = await verifier.Recheck(tokenId);
        if (signedIn is null)
        {
            // The token was revoked or expired: its session ends now, so a page's polling is refused (and audited) once.
            sessions.Close(session);
            return Refused(ended!, $"token {tokenId}", audited: true);
        }

        return Success(signedIn, tokenId);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message;
        if (result.Properties is { } failed && failed.Items.TryGetValue(AuditedItem, out var audited) && audited == "true")
        {
            await audit.Refused(Context, "*", failed.Items[ActorItem] ?? "anonymous", reason!);
        }
        else
        {
            Logger.LogInformation("Asked {Path} to sign in: {Reason}", Request.Path, reason ?? "no token given");
        }

        if (Options.SessionCookie && Request.Cookies.ContainsKey(TokenAuthentication.CookieName) && reason is not null)
        {
            SignInEndpoints.ForgetCookie(Context);
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Answer(reason ?? "sign in with an operator token: the sign-in page, or Authorization: Bearer TOKEN", SignInPage.ReturnPathOf(Request));
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var caller = Context.Caller();
        var reason = caller is null ? "not allowed" : $"{AccessPolicy.Describe(caller)} may not open {Request.Path}";
        if (caller is not null)
        {
            await audit.Refused(Context, caller.Tenant ?? "*", caller.Name, reason);
        }

        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Answer(reason, returnPath: null);
    }

    private async Task Answer(string reason, string? returnPath)
    {
        // The API answers problem details even to a browser: its sign-in page would only lead back to a refused cookie.
        if (Options.SessionCookie && TokenAuthentication.WantsPage(Request))
        {
            await SignInPage.Write(Context, returnPath, reason);
        }
        else
        {
            // RFC 9457 problem details, as every error of the API: the status, and in detail what is missing.
            var status = Response.StatusCode;
            await Results.Problem(reason, statusCode: status, title: status == StatusCodes.Status401Unauthorized ? "Unauthorized" : "Forbidden")
                .ExecuteAsync(Context);
        }
    }

    private AuthenticateResult Success(Caller caller, string tokenId) =>
        AuthenticateResult.Success(new AuthenticationTicket(HttpCaller.Principal(caller, tokenId), Scheme.Name));

    private static AuthenticateResult Refused(string reason, string actor, bool audited) =>
        AuthenticateResult.Fail(reason, new AuthenticationProperties(new Dictionary<string, string?>
        {
            [ActorItem] = actor,
            [AuditedItem] = audited ? "true" : "false",
        }));
}

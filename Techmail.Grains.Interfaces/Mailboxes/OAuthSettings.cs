namespace Techmail.Mailboxes;

/// <summary>
/// Log in with an OAuth 2.0 access token instead of a password. The account (or relay user) is still sent: it names
/// the mailbox the token is for. How the token is got is <see cref="Flow"/>.
/// </summary>
/// <param name="TokenUrl">The token endpoint; https, or http to a loopback address.</param>
/// <param name="ClientId">The app's client id; for a service account, its email address (the JWT's issuer).</param>
/// <param name="ClientSecret">
/// Same rules as <see cref="IncomingSettings.Password"/>: sealed at rest, masked when shown. For a service account,
/// the whole JSON key file (it holds the private key). A public client (device flow) may have none.
/// </param>
/// <param name="Scope">Sent as the grant's scope when set (space-separated).</param>
/// <param name="Mechanism">XOAUTH2 or OAUTHBEARER.</param>
/// <param name="Flow">Where the token comes from: the app itself, a person's consent kept per mailbox, or a service account.</param>
/// <param name="AuthorizationUrl">The authorization endpoint of the redirect flow (authorization code with PKCE).</param>
/// <param name="DeviceAuthorizationUrl">The device authorization endpoint (RFC 8628) of <c>mailbox connect</c>.</param>
[GenerateSerializer, Immutable, Alias("Techmail.OAuthSettings")]
public sealed record OAuthSettings(
    [property: Id(0)] string TokenUrl,
    [property: Id(1)] string ClientId,
    [property: Id(2)] string? ClientSecret,
    [property: Id(3)] string? Scope,
    [property: Id(4)] string Mechanism = OAuthSettings.XOAuth2,
    [property: Id(5)] OAuthFlow Flow = OAuthFlow.ClientCredentials,
    [property: Id(6)] string? AuthorizationUrl = null,
    [property: Id(7)] string? DeviceAuthorizationUrl = null)
{
    public const string XOAuth2 = "XOAUTH2";
    public const string OAuthBearer = "OAUTHBEARER";
}

/// <summary>How a mailbox gets its access tokens.</summary>
public enum OAuthFlow
{
    /// <summary>The app's own client credentials (Microsoft 365 app-only access with an Exchange service principal).</summary>
    ClientCredentials,

    /// <summary>A person consented once (<c>mailbox connect</c> or the console's redirect); the mailbox keeps the grant and refreshes it.</summary>
    Delegated,

    /// <summary>A service account signs a JWT for the mailbox's account (RFC 7523; Google's domain-wide delegation).</summary>
    ServiceAccount,
}

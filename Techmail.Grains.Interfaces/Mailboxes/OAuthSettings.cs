namespace Techmail.Mailboxes;

/// <summary>
/// Log in with an OAuth 2.0 access token got by the client-credentials grant instead of a password.
/// The account (or relay user) is still sent: it names the mailbox the token is for.
/// </summary>
/// <param name="TokenUrl">The token endpoint; https, or http to a loopback address.</param>
/// <param name="ClientSecret">Same rules as <see cref="IncomingSettings.Password"/>: sealed at rest, masked when shown.</param>
/// <param name="Scope">Sent as the grant's scope when set.</param>
/// <param name="Mechanism">XOAUTH2 or OAUTHBEARER.</param>
[GenerateSerializer, Immutable, Alias("Techmail.OAuthSettings")]
public sealed record OAuthSettings(
    [property: Id(0)] string TokenUrl,
    [property: Id(1)] string ClientId,
    [property: Id(2)] string? ClientSecret,
    [property: Id(3)] string? Scope,
    [property: Id(4)] string Mechanism = OAuthSettings.XOAuth2)
{
    public const string XOAuth2 = "XOAUTH2";
    public const string OAuthBearer = "OAUTHBEARER";
}

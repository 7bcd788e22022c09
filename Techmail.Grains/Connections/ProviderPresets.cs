using Techmail.Mailboxes;

namespace Techmail.Connections;

/// <summary>A mail provider whose servers and OAuth endpoints Techmail knows (<c>--provider</c>).</summary>
public enum MailProvider
{
    Microsoft,
    Google,

    /// <summary>Any other server with OAuth: only the mechanism and flow are preset; every endpoint must be given.</summary>
    Generic,
}

/// <summary>One protocol's server as a provider publishes it.</summary>
public sealed record PresetServer(string Host, int Port, TlsMode Tls);

/// <summary>
/// What <c>--provider</c> fills in: the servers for IMAP, POP3 and SMTP, the SASL mechanism, the OAuth endpoints and the
/// scopes each protocol needs. Every value is a starting point; any option given beside <c>--provider</c> wins.
/// </summary>
/// <param name="DeviceAuthorizationUrl">Null where the provider's device flow cannot grant mail scopes (Google).</param>
/// <param name="AppOnlyScope">What the client-credentials grant asks for (Microsoft 365 app-only access).</param>
/// <param name="OfflineScope">The scope that makes the provider hand out a refresh token, where it takes one.</param>
/// <param name="IdentityScope">
/// The OpenID Connect scopes that make the provider return an ID token naming who consented ("connected as"): without
/// them neither Microsoft nor Google sends one. Only the consent asks for them; see <see cref="IdentityScopes"/>.
/// </param>
public sealed record ProviderPreset(
    MailProvider Provider,
    PresetServer? Imap,
    PresetServer? Pop3,
    PresetServer? Smtp,
    string Mechanism,
    string? TokenUrl,
    string? AuthorizationUrl,
    string? DeviceAuthorizationUrl,
    string? ImapScope,
    string? Pop3Scope,
    string? SmtpScope,
    string? OfflineScope,
    string? AppOnlyScope,
    string? IdentityScope)
{
    public PresetServer? Server(MailProtocol protocol) => protocol == MailProtocol.Imap ? Imap : Pop3;

    /// <summary>
    /// The scope a mailbox's token asks for: a delegated grant serves the incoming side and the relay alike, so it asks
    /// for both protocols at once (and for a refresh token, and an ID token saying who consented); the app-only grant
    /// asks for the provider's app scope.
    /// </summary>
    public string? Scope(OAuthFlow flow, MailProtocol? incoming, bool smtp)
    {
        if (flow == OAuthFlow.ClientCredentials)
        {
            return AppOnlyScope;
        }

        var scopes = new List<string?> { incoming == MailProtocol.Imap ? ImapScope : incoming == MailProtocol.Pop3 ? Pop3Scope : null };
        scopes.Add(smtp ? SmtpScope : null);
        if (flow == OAuthFlow.Delegated)
        {
            scopes.Add(OfflineScope);
            scopes.Add(IdentityScope);
        }

        var distinct = scopes.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 0 ? null : string.Join(' ', distinct);
    }

    /// <summary>The preset's OAuth settings for a flow; the client id and secret are the admin's own app's.</summary>
    public OAuthSettings OAuth(OAuthFlow flow, MailProtocol? incoming, bool smtp, string clientId, string? clientSecret) =>
        new(TokenUrl ?? "", clientId, clientSecret, Scope(flow, incoming, smtp), Mechanism, flow, AuthorizationUrl, DeviceAuthorizationUrl);
}

/// <summary>The presets. Hosts, ports and endpoints are the providers' published ones.</summary>
public static class ProviderPresets
{
    /// <summary>Microsoft Entra's multi-tenant authority for work accounts, when no tenant is named.</summary>
    public const string MicrosoftDefaultTenant = "organizations";

    /// <param name="tenant">Microsoft only: the Entra tenant (its id or domain) whose endpoints issue the tokens.</param>
    public static ProviderPreset For(MailProvider provider, string? tenant = null) => provider switch
    {
        MailProvider.Microsoft => Microsoft(tenant ?? MicrosoftDefaultTenant),
        MailProvider.Google => Google,
        MailProvider.Generic => Generic,
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <exception cref="FormatException">Not one of microsoft, google, generic.</exception>
    public static MailProvider Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "microsoft" or "microsoft365" or "office365" => MailProvider.Microsoft,
        "google" or "gmail" => MailProvider.Google,
        "generic" => MailProvider.Generic,
        _ => throw new FormatException($"--provider '{name}' is not one of microsoft, google, generic."),
    };

    private static ProviderPreset Microsoft(string tenant)
    {
        var authority = $"https://login.microsoftonline.com/{Uri.EscapeDataString(tenant)}/oauth2/v2.0";
        return new ProviderPreset(
            MailProvider.Microsoft,
            new PresetServer("outlook.office365.com", 993, TlsMode.SslOnConnect),
            new PresetServer("outlook.office365.com", 995, TlsMode.SslOnConnect),
            new PresetServer("smtp.office365.com", 587, TlsMode.StartTls),
            OAuthSettings.XOAuth2,
            $"{authority}/token",
            $"{authority}/authorize",
            $"{authority}/devicecode",
            "https://outlook.office.com/IMAP.AccessAsUser.All",
            "https://outlook.office.com/POP.AccessAsUser.All",
            "https://outlook.office.com/SMTP.Send",
            "offline_access",
            "https://outlook.office365.com/.default",
            IdentityScopes.OpenIdEmail);
    }

    // Google hands out a refresh token only when asked for offline access, and again on a repeated consent only when
    // the consent screen is shown: both ride on the authorization URL. Its device flow refuses mail scopes (invalid_scope),
    // so Google mailboxes connect through the console's redirect or a service account.
    private static readonly ProviderPreset Google = new(
        MailProvider.Google,
        new PresetServer("imap.gmail.com", 993, TlsMode.SslOnConnect),
        new PresetServer("pop.gmail.com", 995, TlsMode.SslOnConnect),
        new PresetServer("smtp.gmail.com", 465, TlsMode.SslOnConnect),
        OAuthSettings.XOAuth2,
        "https://oauth2.googleapis.com/token",
        "https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent",
        null,
        "https://mail.google.com/",
        "https://mail.google.com/",
        "https://mail.google.com/",
        null,
        null,
        IdentityScopes.OpenIdEmail);

    // A generic server may not speak OpenID Connect at all: its admin adds openid to --oauth-scope where it does.
    private static readonly ProviderPreset Generic = new(
        MailProvider.Generic, null, null, null, OAuthSettings.OAuthBearer, null, null, null, null, null, null, null, null, null);
}

using Techmail.Mailboxes;

namespace Techmail.Connections;

/// <summary>A device flow waiting for the person: the code only the engine knows, and the pace the provider set.</summary>
public sealed record PendingDevice(string DeviceCode, TimeSpan Interval, DateTimeOffset ExpiresAt);

/// <summary>
/// The two ways a person consents for a mailbox: the device flow (RFC 8628; a code typed on another device, for the
/// CLI) and the authorization code with PKCE (RFC 7636; a redirect, for the console). Both end in a token answer the
/// grant is made of. Errors an admin can act on are <see cref="MailboxException"/>s naming the endpoint's error code.
/// </summary>
public sealed class ConsentFlows(TokenEndpoint endpoint, TimeProvider time)
{
    public const string DeviceGrantType = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>RFC 8628 3.2: without an interval from the provider, 5 seconds; slow_down adds 5 more each time.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5), SlowDownStep = TimeSpan.FromSeconds(5);

    public async Task<(DeviceAuthorization Shown, PendingDevice Pending)> StartDevice(OAuthSettings oauth, CancellationToken cancellationToken)
    {
        var url = oauth.DeviceAuthorizationUrl
            ?? throw Invalid("the mailbox's OAuth settings have no device authorization URL (--oauth-device-url); the provider may offer only the redirect flow.");
        var form = new List<KeyValuePair<string, string>>();
        if (oauth.Scope is { Length: > 0 } scope)
        {
            form.Add(new("scope", scope));
        }

        var (answer, refusal) = await endpoint.RequestJson(url, form, oauth.ClientId, oauth.ClientSecret, cancellationToken);
        if (refusal is not null)
        {
            throw Invalid($"the device authorization endpoint {url} refused: {refusal}");
        }

        var root = answer!.Value;
        // Google's endpoint says verification_url, the RFC verification_uri.
        var verification = TokenEndpoint.Text(root, "verification_uri") ?? TokenEndpoint.Text(root, "verification_url");
        var deviceCode = TokenEndpoint.Text(root, "device_code");
        var userCode = TokenEndpoint.Text(root, "user_code");
        if (verification is null || deviceCode is null || userCode is null)
        {
            throw Invalid($"the device authorization endpoint {url} answered without device_code, user_code or verification_uri.");
        }

        var interval = TokenEndpoint.Seconds(root, "interval") ?? DefaultInterval;
        var expires = time.GetUtcNow() + (TokenEndpoint.Seconds(root, "expires_in") ?? TimeSpan.FromMinutes(10));
        return (new DeviceAuthorization(verification, TokenEndpoint.Text(root, "verification_uri_complete"), userCode, interval, expires),
            new PendingDevice(deviceCode, interval, expires));
    }

    /// <summary>One poll of the token endpoint (RFC 8628 3.4 and 3.5).</summary>
    /// <returns>The step, the pending flow with its interval as it now stands, and the tokens once approved.</returns>
    public async Task<(DeviceConnectProgress Progress, PendingDevice Pending, TokenAnswer? Answer, string? Problem)> PollDevice(
        OAuthSettings oauth, PendingDevice pending, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() >= pending.ExpiresAt)
        {
            return (DeviceConnectProgress.Expired, pending, null, "the code expired before it was approved; run the command again.");
        }

        var form = new List<KeyValuePair<string, string>> { new("grant_type", DeviceGrantType), new("device_code", pending.DeviceCode) };
        var (answer, refusal) = await endpoint.RequestToken(oauth.TokenUrl, form, oauth.ClientId, oauth.ClientSecret, cancellationToken);
        return refusal?.Error switch
        {
            null => (DeviceConnectProgress.Connected, pending, answer, null),
            "authorization_pending" => (DeviceConnectProgress.Pending, pending, null, null),
            "slow_down" => (DeviceConnectProgress.SlowDown, pending with { Interval = pending.Interval + SlowDownStep }, null, null),
            "expired_token" => (DeviceConnectProgress.Expired, pending, null, "the code expired before it was approved; run the command again."),
            "access_denied" => (DeviceConnectProgress.Denied, pending, null, "the person signing in refused the access."),
            _ => throw Invalid($"OAuth token endpoint {oauth.TokenUrl} refused the device code: {refusal}"),
        };
    }

    /// <summary>The provider's consent page: response_type code, PKCE S256, the mailbox's account as login hint.</summary>
    public static string AuthorizationUrl(OAuthSettings oauth, string account, string redirectUri, string state, string codeChallenge)
    {
        var url = oauth.AuthorizationUrl
            ?? throw Invalid("the mailbox's OAuth settings have no authorization URL (--oauth-authorization-url).");
        var query = new List<KeyValuePair<string, string>>
        {
            new("response_type", "code"),
            new("client_id", oauth.ClientId),
            new("redirect_uri", redirectUri),
            new("state", state),
            new("code_challenge", codeChallenge),
            new("code_challenge_method", Pkce.Method),
        };
        if (oauth.Scope is { Length: > 0 } scope)
        {
            query.Add(new("scope", scope));
        }

        if (account.Length > 0)
        {
            query.Add(new("login_hint", account));
        }

        var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return url + separator + string.Join('&', query.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
    }

    public async Task<TokenAnswer> ExchangeCode(OAuthSettings oauth, string code, string codeVerifier, string redirectUri, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", redirectUri),
            new("code_verifier", codeVerifier),
        };
        var (answer, refusal) = await endpoint.RequestToken(oauth.TokenUrl, form, oauth.ClientId, oauth.ClientSecret, cancellationToken);
        return refusal is null ? answer! : throw Invalid($"OAuth token endpoint {oauth.TokenUrl} refused the authorization code: {refusal}");
    }

    private static MailboxException Invalid(string message) => new(MailboxErrorKind.Invalid, message);
}

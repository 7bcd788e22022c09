using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Techmail.Tests.Support;

/// <summary>
/// The delegated half of the test authorization server: what a person's consent and a service account get.
/// <list type="bullet">
/// <item>POST /device starts the device flow (RFC 8628); <see cref="ApproveDevice"/> and <see cref="DenyDevice"/> are the
/// person on the other device; polling faster than the interval is answered slow_down.</item>
/// <item>GET /authorize is the person's browser: consent as <see cref="ConsentingUser"/>, redirect back with a code bound
/// to the PKCE challenge (S256 only); the code works once, with the right verifier and redirect URI.</item>
/// <item>The refresh grant rotates refresh tokens (the old one is refused from then on) unless <see cref="RotateRefreshTokens"/>
/// is off; <see cref="RevokeConsent"/> makes every token of a user invalid_grant, as a revocation at the provider does.</item>
/// <item>The JWT bearer grant (RFC 7523) checks an RS256 assertion against a registered service account's public key,
/// its audience and lifetime, and issues a token for the assertion's subject.</item>
/// </list>
/// </summary>
public sealed partial class OAuthTestServer
{
    private readonly ConcurrentDictionary<string, string?> _publicClients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Device> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AuthorizationCode> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefreshGrant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RSA> _serviceAccounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _authorizedSubjects = new(StringComparer.OrdinalIgnoreCase);
    private int _refreshes;
    private int _delegatedRequests;
    private int _failures;
    private int _failureStatus = 503;
    private int _consentPages;

    /// <summary>Who consents when a browser opens /authorize.</summary>
    public string? ConsentingUser { get; set; }

    /// <summary>
    /// Whether /authorize shows a consent page with an "Allow" button, as a provider does to a person in a browser,
    /// instead of consenting at once (what an HTTP client test wants).
    /// </summary>
    public bool AsksForConsent { get; set; }

    /// <summary>Consent pages shown so far.</summary>
    public int ConsentPagesShown => Volatile.Read(ref _consentPages);

    public bool RotateRefreshTokens { get; set; } = true;

    /// <summary>The device flow's polling interval the server asks for, in whole seconds.</summary>
    public int DeviceIntervalSeconds { get; set; } = 1;

    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public string AuthorizationUrl => $"http://127.0.0.1:{Port}/authorize";

    public string DeviceAuthorizationUrl => $"http://127.0.0.1:{Port}/device";

    /// <summary>Refresh grants answered with tokens so far.</summary>
    public int Refreshes => Volatile.Read(ref _refreshes);

    /// <summary>Requests of the delegated grants (device, code, refresh, JWT bearer) the token endpoint answered, refusals included.</summary>
    public int DelegatedRequests => Volatile.Read(ref _delegatedRequests);

    /// <summary>
    /// How long the refresh grant takes to answer, as a provider across the internet does: long enough that refreshes
    /// asked for at once would overlap at the endpoint unless the caller lets only one through.
    /// </summary>
    public TimeSpan RefreshDelay { get; set; }

    /// <summary>Whether an access token works now: what the introspection endpoint would tell the mail server.</summary>
    public bool Honours(string accessToken) => _tokens.TryGetValue(accessToken, out var issued) && issued.Expires > DateTimeOffset.UtcNow;

    /// <summary>Every refresh token ever issued and not yet replaced or revoked.</summary>
    public int LiveRefreshTokens => _refreshTokens.Count;

    /// <summary>Registers a client of the delegated flows; a null secret makes it a public client (client_id only).</summary>
    public void AddDelegatedClient(string clientId, string? secret) => _publicClients[clientId] = secret;

    /// <summary>A service account whose assertions are checked with this key, allowed to act for the given subjects.</summary>
    public void AddServiceAccount(string email, RSA publicKey, params string[] subjects)
    {
        _serviceAccounts[email] = publicKey;
        foreach (var subject in subjects)
        {
            _authorizedSubjects[subject] = 0;
        }
    }

    /// <summary>The next <paramref name="count"/> POSTs to any endpoint fail with this status, as a provider's outage.</summary>
    public void FailNext(int count, int status = 503)
    {
        _failureStatus = status;
        Volatile.Write(ref _failures, count);
    }

    /// <summary>How many of the failures <see cref="FailNext"/> asked for are still to come.</summary>
    public int FailuresLeft => Volatile.Read(ref _failures);

    /// <summary>The person on the other device approves the code as <paramref name="user"/>.</summary>
    public void ApproveDevice(string userCode, string user) => SetDevice(userCode, d => d with { User = user });

    public void DenyDevice(string userCode) => SetDevice(userCode, d => d with { Denied = true });

    /// <summary>The device codes handed out, newest last: what a test "reads off the screen".</summary>
    public IReadOnlyList<string> UserCodes => _devices.Values.OrderBy(d => d.Started).Select(d => d.UserCode).ToList();

    /// <summary>The user withdraws consent at the provider: every refresh and access token of the user stops working.</summary>
    public void RevokeConsent(string user)
    {
        foreach (var (token, grant) in _refreshTokens)
        {
            if (grant.User == user)
            {
                _refreshTokens.TryRemove(token, out _);
            }
        }

        foreach (var (token, issued) in _tokens)
        {
            if (issued.User == user)
            {
                _tokens.TryRemove(token, out _);
            }
        }
    }

    /// <summary>Access tokens of a user stop working (expired early), while the refresh token still works.</summary>
    public void ExpireAccessTokens(string user)
    {
        foreach (var (token, issued) in _tokens)
        {
            if (issued.User == user)
            {
                _tokens.TryRemove(token, out _);
            }
        }
    }

    private int? TakeFailure()
    {
        while (true)
        {
            var left = Volatile.Read(ref _failures);
            if (left <= 0)
            {
                return null;
            }

            if (Interlocked.CompareExchange(ref _failures, left - 1, left) == left)
            {
                return _failureStatus;
            }
        }
    }

    private void SetDevice(string userCode, Func<Device, Device> change)
    {
        var entry = _devices.Single(d => d.Value.UserCode == userCode);
        _devices[entry.Key] = change(entry.Value);
    }

    private (int, object) StartDevice(string? authorization, Dictionary<string, string> form)
    {
        if (Authenticate(authorization, form) is not { } client)
        {
            return (401, new { error = "invalid_client" });
        }

        var deviceCode = Random();
        var userCode = $"{RandomNumberGenerator.GetInt32(1000, 9999)}-{RandomNumberGenerator.GetInt32(1000, 9999)}";
        _devices[deviceCode] = new Device(client, userCode, form.GetValueOrDefault("scope"), DateTimeOffset.UtcNow, null, false, null);
        return (200, new
        {
            device_code = deviceCode,
            user_code = userCode,
            verification_uri = $"http://127.0.0.1:{Port}/device-login",
            expires_in = (long)DeviceCodeLifetime.TotalSeconds,
            interval = DeviceIntervalSeconds,
        });
    }

    private async Task ConsentPage(System.Net.HttpListenerResponse response, Dictionary<string, string> query)
    {
        Interlocked.Increment(ref _consentPages);
        var hidden = string.Concat(query.Select(kv =>
            $"<input type=\"hidden\" name=\"{System.Net.WebUtility.HtmlEncode(kv.Key)}\" value=\"{System.Net.WebUtility.HtmlEncode(kv.Value)}\">"));
        var page = $"<!DOCTYPE html><html><head><title>Test provider: consent</title></head><body>"
            + $"<p>{System.Net.WebUtility.HtmlEncode(query.GetValueOrDefault("client_id") ?? "")} asks to read your mail ({System.Net.WebUtility.HtmlEncode(query.GetValueOrDefault("scope") ?? "")}).</p>"
            + $"<form method=\"post\" action=\"/authorize\">{hidden}<button type=\"submit\">Allow</button></form></body></html>";
        var bytes = Encoding.UTF8.GetBytes(page);
        response.StatusCode = 200;
        response.ContentType = "text/html; charset=utf-8";
        await response.OutputStream.WriteAsync(bytes);
    }

    private (int, string?) Authorize(Dictionary<string, string> query)
    {
        var redirect = query.GetValueOrDefault("redirect_uri");
        if (query.GetValueOrDefault("client_id") is not { } client || !_publicClients.ContainsKey(client) || redirect is null)
        {
            return (400, null);
        }

        var state = Uri.EscapeDataString(query.GetValueOrDefault("state") ?? "");
        if (query.GetValueOrDefault("code_challenge_method") != "S256" || query.GetValueOrDefault("code_challenge") is not { Length: > 0 } challenge
            || ConsentingUser is not { } user)
        {
            return (302, $"{redirect}?error=access_denied&state={state}");
        }

        var code = Random();
        _codes[code] = new AuthorizationCode(client, redirect, challenge, user, query.GetValueOrDefault("scope"));
        return (302, $"{redirect}?code={code}&state={state}");
    }

    private (int, object) DelegatedGrant(string? authorization, Dictionary<string, string> form)
    {
        Interlocked.Increment(ref _delegatedRequests);
        var grantType = form.GetValueOrDefault("grant_type");
        if (grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return JwtBearer(form.GetValueOrDefault("assertion"));
        }

        if (Authenticate(authorization, form) is not { } client)
        {
            return (401, new { error = "invalid_client" });
        }

        switch (grantType)
        {
            case "urn:ietf:params:oauth:grant-type:device_code":
                return DeviceToken(client, form.GetValueOrDefault("device_code"));
            case "authorization_code":
                var code = form.GetValueOrDefault("code");
                if (code is null || !_codes.TryRemove(code, out var issued) || issued.Client != client
                    || issued.RedirectUri != form.GetValueOrDefault("redirect_uri")
                    || form.GetValueOrDefault("code_verifier") is not { } verifier
                    || Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != issued.Challenge)
                {
                    return (400, new { error = "invalid_grant", error_description = "unknown, used or mismatched code" });
                }

                return (200, Tokens(client, issued.User, issued.Scope));
            case "refresh_token":
                var refresh = form.GetValueOrDefault("refresh_token");
                if (refresh is null || !_refreshTokens.TryGetValue(refresh, out var grant) || grant.Client != client)
                {
                    return (400, new { error = "invalid_grant", error_description = "the refresh token was revoked or replaced" });
                }

                // A refresh may narrow the consent's scope, never widen it (RFC 6749 6); the refresh token keeps the
                // whole consent, so a later refresh may ask for all of it again.
                var asked = form.GetValueOrDefault("scope");
                if (asked is not null && !Scopes(asked).IsSubsetOf(Scopes(grant.Scope)))
                {
                    return (400, new { error = "invalid_scope", error_description = $"'{asked}' is more than the consent gave ('{grant.Scope}')" });
                }

                Interlocked.Increment(ref _refreshes);
                if (!RotateRefreshTokens)
                {
                    return (200, Tokens(client, grant.User, grant.Scope, asked, refresh));
                }

                _refreshTokens.TryRemove(refresh, out _);
                return (200, Tokens(client, grant.User, grant.Scope, asked));
            default:
                return (400, new { error = "unsupported_grant_type" });
        }
    }

    private (int, object) DeviceToken(string client, string? deviceCode)
    {
        if (deviceCode is null || !_devices.TryGetValue(deviceCode, out var device) || device.Client != client)
        {
            return (400, new { error = "invalid_grant" });
        }

        var now = DateTimeOffset.UtcNow;
        if (now - device.Started > DeviceCodeLifetime)
        {
            _devices.TryRemove(deviceCode, out _);
            return (400, new { error = "expired_token" });
        }

        if (device.Denied)
        {
            _devices.TryRemove(deviceCode, out _);
            return (400, new { error = "access_denied" });
        }

        if (device.User is { } user)
        {
            _devices.TryRemove(deviceCode, out _);
            return (200, Tokens(client, user, device.Scope));
        }

        // RFC 8628 3.5: a client polling faster than the interval is told to slow down.
        var tooSoon = device.LastPoll is { } last && now - last < TimeSpan.FromSeconds(DeviceIntervalSeconds) - TimeSpan.FromMilliseconds(100);
        _devices[deviceCode] = device with { LastPoll = now };
        return (400, new { error = tooSoon ? "slow_down" : "authorization_pending" });
    }

    private (int, object) JwtBearer(string? assertion)
    {
        var parts = assertion?.Split('.');
        if (parts is not { Length: 3 })
        {
            return (400, new { error = "invalid_grant", error_description = "not a JWT" });
        }

        using var header = JsonDocument.Parse(FromBase64Url(parts[0]));
        using var claims = JsonDocument.Parse(FromBase64Url(parts[1]));
        var c = claims.RootElement;
        var issuer = c.GetProperty("iss").GetString()!;
        if (header.RootElement.GetProperty("alg").GetString() != "RS256" || !_serviceAccounts.TryGetValue(issuer, out var key)
            || !key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return (400, new { error = "invalid_grant", error_description = "bad signature or unknown service account" });
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var subject = c.GetProperty("sub").GetString()!;
        if (c.GetProperty("aud").GetString() != TokenUrl || c.GetProperty("exp").GetInt64() < now || c.GetProperty("iat").GetInt64() > now + 60)
        {
            return (400, new { error = "invalid_grant", error_description = "wrong audience or lifetime" });
        }

        if (!_authorizedSubjects.ContainsKey(subject))
        {
            return (400, new { error = "unauthorized_client", error_description = "no domain-wide delegation for this subject" });
        }

        var token = Random();
        _tokens[token] = new IssuedToken(issuer, subject, DateTimeOffset.UtcNow + TokenLifetime);
        Interlocked.Increment(ref _granted);
        return (200, new { access_token = token, token_type = "Bearer", expires_in = (long)TokenLifetime.TotalSeconds });
    }

    /// <summary>
    /// An access token, a refresh token (the one given, or a new one) keeping the consent's scope, and an ID token naming
    /// the user only when this request's scope has <c>openid</c>, as real providers do: a client that forgets to ask for
    /// it sees no "connected as" here either.
    /// </summary>
    /// <param name="asked">What this request asked for, when narrower than the consent (a refresh's scope).</param>
    private object Tokens(string client, string user, string? consent, string? asked = null, string? keepRefresh = null)
    {
        var access = Random();
        _tokens[access] = new IssuedToken(client, user, DateTimeOffset.UtcNow + TokenLifetime);
        var refresh = keepRefresh ?? Random();
        _refreshTokens[refresh] = new RefreshGrant(client, user, consent);
        Interlocked.Increment(ref _granted);
        var scope = asked ?? consent;
        var idToken = Scopes(scope).Contains("openid")
            ? $"{Base64Url("{\"alg\":\"none\"}"u8)}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { email = user }))}.x"
            : null;
        return new
        {
            access_token = access,
            token_type = "Bearer",
            expires_in = (long)TokenLifetime.TotalSeconds,
            refresh_token = refresh,
            scope,
            id_token = idToken,
        };
    }

    private static HashSet<string> Scopes(string? scope) => [.. (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The client a request names: Basic with the right secret, or a public client's client_id alone.</summary>
    private string? Authenticate(string? authorization, Dictionary<string, string> form)
    {
        if (BasicCredentials(authorization) is var (id, secret) && id is not null)
        {
            return _publicClients.TryGetValue(id, out var expected) && expected is not null && expected == secret ? id : null;
        }

        return form.GetValueOrDefault("client_id") is { } clientId && _publicClients.TryGetValue(clientId, out var none) && none is null ? clientId : null;
    }

    private static string Random() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private sealed record Device(string Client, string UserCode, string? Scope, DateTimeOffset Started, string? User, bool Denied, DateTimeOffset? LastPoll);

    private sealed record AuthorizationCode(string Client, string RedirectUri, string Challenge, string User, string? Scope);

    private sealed record RefreshGrant(string Client, string User, string? Scope);
}

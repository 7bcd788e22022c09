using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Techmail.Tests.Support;

/// <summary>
/// A small OpenID Connect provider on a loopback port of its own, for the console's sign-in: a discovery document, its
/// signing key as a JWKS, an authorization endpoint that signs in whoever the test names next (no login form: the
/// person's consent is not what is tested) and a token endpoint that redeems the code once, checks the client's
/// secret, the redirect URI and the PKCE verifier, and answers with an RS256 id token carrying the nonce.
/// </summary>
public sealed class OidcTestProvider : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);
    private readonly Task _serving;
    private int _redeemed;

    private OidcTestProvider(int port, string clientId, string clientSecret)
    {
        Port = port;
        ClientId = clientId;
        ClientSecret = clientSecret;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(Serve);
    }

    public int Port { get; }

    public string ClientId { get; }

    public string ClientSecret { get; }

    public string Issuer => $"http://127.0.0.1:{Port}";

    /// <summary>Codes redeemed at the token endpoint so far.</summary>
    public int Redeemed => Volatile.Read(ref _redeemed);

    /// <summary>The claims of the person the next authorization signs in (besides iss, aud, sub, nonce and times).</summary>
    public Dictionary<string, object> NextPerson { get; set; } = [];

    public static OidcTestProvider Start(string clientId = "techmail-console", string clientSecret = "console-secret")
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new OidcTestProvider(FreePort.Next(), clientId, clientSecret);
            }
            catch (HttpListenerException) when (attempt < 3)
            {
                // Another test took the port between picking and binding it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }

        _listener.Close();
        _key.Dispose();
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Answer(context));
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        using var response = context.Response;
        try
        {
            var request = context.Request;
            switch (request.HttpMethod, request.Url!.AbsolutePath)
            {
                case ("GET", "/.well-known/openid-configuration"):
                    await Json(response, 200, new Dictionary<string, object>
                    {
                        ["issuer"] = Issuer,
                        ["authorization_endpoint"] = $"{Issuer}/authorize",
                        ["token_endpoint"] = $"{Issuer}/token",
                        ["jwks_uri"] = $"{Issuer}/jwks",
                        ["response_types_supported"] = new[] { "code" },
                        ["subject_types_supported"] = new[] { "public" },
                        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                        ["code_challenge_methods_supported"] = new[] { "S256" },
                        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
                    });
                    break;
                case ("GET", "/jwks"):
                    var key = _key.ExportParameters(false);
                    await Json(response, 200, new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "test-key", n = Base64Url(key.Modulus!), e = Base64Url(key.Exponent!) } } });
                    break;
                case ("GET", "/authorize"):
                    Authorize(request, response);
                    break;
                case ("POST", "/token"):
                    using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
                    {
                        var (status, body) = Redeem(request.Headers["Authorization"], ParseForm(await reader.ReadToEndAsync()));
                        await Json(response, status, body);
                    }

                    break;
                default:
                    await Json(response, 404, new { error = "not_found" });
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The caller went away; nothing to answer.
        }
    }

    private void Authorize(HttpListenerRequest request, HttpListenerResponse response)
    {
        var q = request.QueryString;
        if (q["client_id"] != ClientId || q["response_type"] != "code" || q["redirect_uri"] is not { } redirect || q["code_challenge_method"] != "S256")
        {
            response.StatusCode = 400;
            return;
        }

        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _codes[code] = new Grant(redirect, q["nonce"], q["code_challenge"]!, new Dictionary<string, object>(NextPerson));
        response.StatusCode = 302;
        response.RedirectLocation = $"{redirect}?code={code}&state={Uri.EscapeDataString(q["state"] ?? "")}&iss={Uri.EscapeDataString(Issuer)}";
    }

    private (int, object) Redeem(string? authorization, Dictionary<string, string> form)
    {
        var (id, secret) = BasicCredentials(authorization) ?? (form.GetValueOrDefault("client_id"), form.GetValueOrDefault("client_secret"));
        if (id != ClientId || secret != ClientSecret)
        {
            return (401, new { error = "invalid_client" });
        }

        if (form.GetValueOrDefault("grant_type") != "authorization_code" || form.GetValueOrDefault("code") is not { } code || !_codes.TryRemove(code, out var grant))
        {
            return (400, new { error = "invalid_grant" });
        }

        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(form.GetValueOrDefault("code_verifier") ?? "")));
        if (form.GetValueOrDefault("redirect_uri") != grant.Redirect || challenge != grant.Challenge)
        {
            return (400, new { error = "invalid_grant", error_description = "redirect_uri or code_verifier does not match" });
        }

        Interlocked.Increment(ref _redeemed);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>(grant.Person)
        {
            ["iss"] = Issuer,
            ["aud"] = ClientId,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 300,
        };
        claims.TryAdd("sub", "subject-" + code[..8]);
        if (grant.Nonce is not null)
        {
            claims["nonce"] = grant.Nonce;
        }

        return (200, new { access_token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), token_type = "Bearer", expires_in = 300, id_token = Sign(claims) });
    }

    private string Sign(Dictionary<string, object> claims)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = "test-key" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static async Task Json(HttpListenerResponse response, int status, object body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string?, string?)? BasicCredentials(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
        var colon = pair.IndexOf(':');
        return colon < 0 ? null : (Uri.UnescapeDataString(pair[..colon]), Uri.UnescapeDataString(pair[(colon + 1)..]));
    }

    private static Dictionary<string, string> ParseForm(string body) =>
        body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(
                kv => Uri.UnescapeDataString(kv[0].Replace('+', ' ')),
                kv => kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "",
                StringComparer.Ordinal);

    private sealed record Grant(string Redirect, string? Nonce, string Challenge, Dictionary<string, object> Person);
}

using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Techmail.Tests.Support;

/// <summary>
/// A small OAuth 2.0 authorization server on a loopback port of its own: POST /token grants the client-credentials
/// flow (RFC 6749 4.4) to registered clients, and POST /introspect answers RFC 7662 for Dovecot's oauth2 passdb.
/// A test can revoke one token, or a whole client (its tokens stop working and it gets no new ones). The delegated
/// grants are in the other half of this class (OAuthTestServer.Grants.cs): device code, authorization code with PKCE,
/// refresh with rotation and revocation, and the JWT bearer grant of service accounts.
/// </summary>
public sealed partial class OAuthTestServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, Client> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly Task _serving;
    private int _granted;
    private int _introspections;

    private OAuthTestServer(int port)
    {
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(Serve);
    }

    public int Port { get; }

    public string TokenUrl => $"http://127.0.0.1:{Port}/token";

    public string IntrospectionUrl => $"http://127.0.0.1:{Port}/introspect";

    /// <summary>Lifetime of tokens granted from now on.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Tokens granted so far.</summary>
    public int Granted => Volatile.Read(ref _granted);

    public int Introspections => Volatile.Read(ref _introspections);

    public static OAuthTestServer Start()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new OAuthTestServer(FreePort.Next());
            }
            catch (HttpListenerException) when (attempt < 3)
            {
                // Another test took the port between picking and binding it.
            }
        }
    }

    /// <summary>Registers a client whose tokens log in as <paramref name="user"/>.</summary>
    public void AddClient(string clientId, string secret, string user) => _clients[clientId] = new Client(secret, user);

    /// <summary>The token stops working at once, as when an administrator revokes it.</summary>
    public void RevokeTokens(string clientId)
    {
        foreach (var (token, issued) in _tokens)
        {
            if (issued.ClientId == clientId)
            {
                _tokens.TryRemove(token, out _);
            }
        }
    }

    /// <summary>The client's tokens stop working and the token endpoint refuses it from now on.</summary>
    public void RevokeClient(string clientId)
    {
        _clients.TryRemove(clientId, out _);
        RevokeTokens(clientId);
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
            if (request.HttpMethod == "GET" && request.Url?.AbsolutePath == "/authorize" && AsksForConsent)
            {
                // The person's browser, shown the consent page a provider shows: "Allow" posts the request back.
                await ConsentPage(response, ParseForm(request.Url.Query.TrimStart('?')));
                return;
            }

            if (request.Url?.AbsolutePath == "/authorize" && request.HttpMethod is "GET" or "POST")
            {
                // The person's browser: consent is given (at once, or by the page's button), as ConsentingUser, and
                // the browser sent back.
                using var posted = new StreamReader(request.InputStream, Encoding.UTF8);
                var query = request.HttpMethod == "GET" ? request.Url.Query.TrimStart('?') : await posted.ReadToEndAsync();
                var (code, location) = Authorize(ParseForm(query));
                response.StatusCode = code;
                if (location is not null)
                {
                    response.RedirectLocation = location;
                }

                return;
            }

            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var form = ParseForm(await reader.ReadToEndAsync());
            if (form.GetValueOrDefault("grant_type") == "refresh_token" && RefreshDelay > TimeSpan.Zero)
            {
                await Task.Delay(RefreshDelay);
            }

            var (status, body) = request.HttpMethod != "POST" ? (405, new { error = "method" } as object)
                : TakeFailure() is { } failure ? (failure, new { error = "temporarily_unavailable" })
                : request.Url?.AbsolutePath switch
                {
                    "/token" => form.GetValueOrDefault("grant_type") == "client_credentials"
                        ? Grant(request.Headers["Authorization"], form)
                        : DelegatedGrant(request.Headers["Authorization"], form),
                    "/device" => StartDevice(request.Headers["Authorization"], form),
                    "/introspect" => Introspect(form),
                    _ => (404, new { error = "not_found" }),
                };
            response.StatusCode = status;
            response.ContentType = "application/json";
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
            await response.OutputStream.WriteAsync(bytes);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The caller went away; nothing to answer.
        }
    }

    private (int, object) Grant(string? authorization, Dictionary<string, string> form)
    {
        if (form.GetValueOrDefault("grant_type") != "client_credentials")
        {
            return (400, new { error = "unsupported_grant_type" });
        }

        var (id, secret) = BasicCredentials(authorization) ?? (form.GetValueOrDefault("client_id"), form.GetValueOrDefault("client_secret"));
        if (id is null || !_clients.TryGetValue(id, out var client) || client.Secret != secret)
        {
            return (401, new { error = "invalid_client", error_description = "unknown client or wrong secret" });
        }

        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = new IssuedToken(id, client.User, DateTimeOffset.UtcNow + TokenLifetime);
        Interlocked.Increment(ref _granted);
        return (200, new { access_token = token, token_type = "Bearer", expires_in = (long)TokenLifetime.TotalSeconds });
    }

    private (int, object) Introspect(Dictionary<string, string> form)
    {
        Interlocked.Increment(ref _introspections);
        return form.GetValueOrDefault("token") is { } token && _tokens.TryGetValue(token, out var issued) && issued.Expires > DateTimeOffset.UtcNow
            ? (200, new { active = true, username = issued.User, client_id = issued.ClientId })
            : (200, new { active = false });
    }

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

    private sealed record Client(string Secret, string User);

    private sealed record IssuedToken(string ClientId, string User, DateTimeOffset Expires);
}

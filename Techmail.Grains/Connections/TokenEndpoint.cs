using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Techmail.Polling;

namespace Techmail.Connections;

/// <summary>A token endpoint's successful answer (RFC 6749 5.1).</summary>
/// <param name="RefreshToken">Null when the provider did not send one: the old one stays good (no rotation).</param>
/// <param name="IdToken">The OpenID Connect ID token, when the scopes asked for one: it names the account.</param>
public sealed record TokenAnswer(string AccessToken, string? RefreshToken, TimeSpan? ExpiresIn, string? Scope, string? IdToken);

/// <summary>A refusal in RFC 6749 5.2's terms (or RFC 8628 3.5's for the device flow): its error code and description.</summary>
public sealed record TokenRefusal(int Status, string Error, string? Description)
{
    public override string ToString() => Description is null ? $"{Status} {Error}" : $"{Status} {Error} ({Description})";
}

/// <summary>
/// Form posts to an OAuth 2.0 endpoint (token or device authorization). A confidential client's id and secret go in
/// HTTP Basic (RFC 6749 2.3.1, each form-encoded first); a public client (no secret, as the device flow allows) sends
/// only its client_id. An answer with an error code is returned as a <see cref="TokenRefusal"/>; what says nothing
/// about the grant (no connection, a timeout, a 5xx, a 429) is thrown as a transient <see cref="MailFetchException"/>,
/// so it is retried by the caller's pipeline and never taken for a revocation.
/// </summary>
public sealed class TokenEndpoint
{
    // One handler for the process: connections are pooled, and recycled so a moved endpoint's DNS change is seen.
    private static readonly HttpClient s_http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private readonly HttpClient _http;

    public TokenEndpoint()
        : this(s_http)
    {
    }

    internal TokenEndpoint(HttpClient http) => _http = http;

    /// <summary>Posts to a token endpoint.</summary>
    /// <returns>The tokens, or the endpoint's refusal.</returns>
    /// <exception cref="MailFetchException">Transient: the endpoint could not answer; Protocol: it answered nonsense.</exception>
    public async Task<(TokenAnswer? Answer, TokenRefusal? Refusal)> RequestToken(
        string url, IReadOnlyList<KeyValuePair<string, string>> form, string clientId, string? clientSecret, CancellationToken cancellationToken)
    {
        var (status, root) = await Post(url, form, clientId, clientSecret, cancellationToken);
        if (Refusal(status, root) is { } refusal)
        {
            return (null, refusal);
        }

        if (Text(root, "access_token") is not { Length: > 0 } access)
        {
            throw new MailFetchException(MailFetchFailure.Protocol, $"OAuth token endpoint {url}: the answer has no access_token.");
        }

        return (new TokenAnswer(access, Text(root, "refresh_token"), Seconds(root, "expires_in"), Text(root, "scope"), Text(root, "id_token")), null);
    }

    /// <summary>Posts to an endpoint whose answer is any JSON object (the device authorization endpoint).</summary>
    public async Task<(JsonElement? Answer, TokenRefusal? Refusal)> RequestJson(
        string url, IReadOnlyList<KeyValuePair<string, string>> form, string clientId, string? clientSecret, CancellationToken cancellationToken)
    {
        var (status, root) = await Post(url, form, clientId, clientSecret, cancellationToken);
        return Refusal(status, root) is { } refusal ? (null, refusal) : (root, null);
    }

    public static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static TimeSpan? Seconds(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var s) && s > 0 ? TimeSpan.FromSeconds(s)
        : root.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), out s) && s > 0 ? TimeSpan.FromSeconds(s)
        : null;

    private async Task<(int Status, JsonElement Root)> Post(
        string url, IReadOnlyList<KeyValuePair<string, string>> form, string clientId, string? clientSecret, CancellationToken cancellationToken)
    {
        var fields = new List<KeyValuePair<string, string>>(form);
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (clientSecret is { Length: > 0 })
        {
            var basic = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }
        else if (clientId.Length > 0)
        {
            fields.Add(new("client_id", clientId));
        }

        request.Content = new FormUrlEncodedContent(fields);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var endpoint = $"OAuth endpoint {url}";
        HttpResponseMessage response;
        string body;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MailFetchException(MailFetchFailure.Transient, $"{endpoint}: {MailFetcher.FirstLine(e.Message)}", e);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status >= 500 || status == 429)
            {
                // The provider's trouble, not a verdict on the grant: never read as a revocation.
                throw new MailFetchException(MailFetchFailure.Transient, $"{endpoint} answered {status}; trying again later.");
            }

            try
            {
                using var json = JsonDocument.Parse(body);
                return json.RootElement.ValueKind == JsonValueKind.Object
                    ? (status, json.RootElement.Clone())
                    : throw new MailFetchException(MailFetchFailure.Protocol, $"{endpoint}: the answer ({status}) is not a JSON object.");
            }
            catch (JsonException e)
            {
                throw new MailFetchException(MailFetchFailure.Protocol, $"{endpoint}: the answer ({status}) is not JSON ({MailFetcher.FirstLine(e.Message)}).", e);
            }
        }
    }

    /// <summary>RFC 6749 5.2's error and description, never the raw body, which may echo what was sent.</summary>
    private static TokenRefusal? Refusal(int status, JsonElement root) =>
        status is >= 200 and < 300 && Text(root, "error") is null
            ? null
            : new TokenRefusal(status, Text(root, "error") ?? "(no error code)", Text(root, "error_description") is { } d ? MailFetcher.FirstLine(d) : null);
}

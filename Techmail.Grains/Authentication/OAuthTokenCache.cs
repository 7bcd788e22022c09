using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Authentication;

/// <summary>
/// OAuth 2.0 access tokens the silo can get on its own: with the client-credentials grant, one per token endpoint,
/// client, secret and scope, shared by every mailbox of the silo that uses them; and with a service account's signed
/// assertion (RFC 7523, Google's domain-wide delegation), one per account it acts for. A token is handed out until shortly before it
/// expires; from three quarters of its life a caller still gets it while one background request fetches
/// the next, so mailboxes never wait on the endpoint while a token is good. Only one request per key is ever
/// in flight: a thousand mailboxes polling at once cost the endpoint one call.
/// </summary>
public sealed class OAuthTokenCache
{
    /// <summary>Assumed when the endpoint does not say how long its token lives.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan MaximumMargin = TimeSpan.FromSeconds(30);

    // One handler for the process: connections are pooled, and recycled so a moved endpoint's DNS change is seen.
    private static readonly HttpClient s_http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public OAuthTokenCache(TimeProvider time)
        : this(s_http, time)
    {
    }

    internal OAuthTokenCache(HttpClient http, TimeProvider time) => (_http, _time) = (http, time);

    /// <param name="clientSecret">The secret revealed.</param>
    /// <returns>The token, and whether it came from the cache (so a refusal may mean it was revoked).</returns>
    /// <exception cref="MailFetchException">The endpoint refused the client (Authentication) or could not be reached (Transient).</exception>
    /// <param name="user">The account logging in: a service account's token is for it alone (the assertion's <c>sub</c>).</param>
    public async Task<(string Token, bool Cached)> Get(OAuthSettings oauth, string clientSecret, string user, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(Key(oauth, clientSecret, user), static _ => new Slot());
        Task<IssuedToken> fetching;
        lock (slot.Gate)
        {
            var now = _time.GetUtcNow();
            if (slot.Token is { } token && now < token.UsableUntil)
            {
                if (now >= token.RefreshFrom && slot.Fetching is null)
                {
                    // Nobody waits for this one; a failure leaves the current token to serve until it runs out.
                    _ = Start(slot, oauth, clientSecret, user).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
                }

                return (token.Value, true);
            }

            fetching = slot.Fetching ?? Start(slot, oauth, clientSecret, user);
        }

        return ((await fetching.WaitAsync(cancellationToken)).Value, false);
    }

    /// <summary>Drops a token the server refused, unless a newer one already replaced it.</summary>
    public void Forget(OAuthSettings oauth, string clientSecret, string user, string token)
    {
        if (_slots.TryGetValue(Key(oauth, clientSecret, user), out var slot))
        {
            lock (slot.Gate)
            {
                if (slot.Token?.Value == token)
                {
                    slot.Token = null;
                }
            }
        }
    }

    /// <summary>Called under the slot's lock.</summary>
    private Task<IssuedToken> Start(Slot slot, OAuthSettings oauth, string clientSecret, string user) =>
        slot.Fetching = FetchInto(slot, oauth, clientSecret, user);

    /// <summary>The slot is updated before the task completes, so whoever awaited it sees the new token cached.</summary>
    private async Task<IssuedToken> FetchInto(Slot slot, OAuthSettings oauth, string clientSecret, string user)
    {
        // Never finish inside Start, which holds the lock and has yet to record this task.
        await Task.Yield();
        try
        {
            var token = await Request(oauth, clientSecret, user);
            lock (slot.Gate)
            {
                slot.Token = token;
            }

            return token;
        }
        finally
        {
            lock (slot.Gate)
            {
                slot.Fetching = null;
            }
        }
    }

    private async Task<IssuedToken> Request(OAuthSettings oauth, string clientSecret, string user)
    {
        var endpoint = $"OAuth token endpoint {oauth.TokenUrl}";
        var issuedAt = _time.GetUtcNow();
        var form = new List<KeyValuePair<string, string>>();
        if (oauth.Flow == OAuthFlow.ServiceAccount)
        {
            // The assertion is the client's proof: no client secret goes with it (RFC 7523 2.1).
            ServiceAccountKey key;
            try
            {
                key = ServiceAccountKey.Parse(clientSecret);
            }
            catch (FormatException e)
            {
                throw new MailFetchException(MailFetchFailure.Authentication, $"{endpoint}: {e.Message}");
            }

            form.Add(new("grant_type", ServiceAccountKey.GrantType));
            form.Add(new("assertion", key.Assertion(user, oauth.Scope, oauth.TokenUrl, issuedAt)));
        }
        else
        {
            form.Add(new("grant_type", "client_credentials"));
            if (oauth.Scope is { Length: > 0 } scope)
            {
                form.Add(new("scope", scope));
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, oauth.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        if (oauth.Flow != OAuthFlow.ServiceAccount)
        {
            // RFC 6749 2.3.1: the id and secret are form-encoded before they are joined for Basic authentication.
            var basic = $"{Uri.EscapeDataString(oauth.ClientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        string body;
        try
        {
            response = await _http.SendAsync(request);
            body = await response.Content.ReadAsStringAsync();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new MailFetchException(MailFetchFailure.Transient, $"{endpoint}: {MailFetcher.FirstLine(e.Message)}", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var code = (int)response.StatusCode;
                var failure = code is 400 or 401 or 403 ? MailFetchFailure.Authentication : MailFetchFailure.Transient;
                throw new MailFetchException(failure, $"{endpoint} refused the client: {code} {Describe(body)}");
            }

            return Parse(body, issuedAt, endpoint);
        }
    }

    private static IssuedToken Parse(string body, DateTimeOffset issuedAt, string endpoint)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (!root.TryGetProperty("access_token", out var value) || value.GetString() is not { Length: > 0 } token)
            {
                throw new MailFetchException(MailFetchFailure.Protocol, $"{endpoint}: the answer has no access_token.");
            }

            var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt64(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultLifetime;
            var margin = TimeSpan.FromTicks(Math.Min(MaximumMargin.Ticks, lifetime.Ticks / 10));
            return new IssuedToken(token, issuedAt + lifetime * 0.75, issuedAt + lifetime - margin);
        }
        catch (JsonException e)
        {
            throw new MailFetchException(MailFetchFailure.Protocol, $"{endpoint}: the answer is not JSON ({MailFetcher.FirstLine(e.Message)}).", e);
        }
    }

    /// <summary>RFC 6749 5.2's error and description, never the raw body, which may echo what was sent.</summary>
    private static string Describe(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var error = json.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            var description = json.RootElement.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            return error is null ? "(no error code)" : description is null ? error : $"{error} ({MailFetcher.FirstLine(description)})";
        }
        catch (JsonException)
        {
            return "(no error code)";
        }
    }

    // The secret is part of the key, hashed, so a changed secret never reuses a token the old one got. A service
    // account's token acts for one account, so the account is part of its key; a client's token serves them all.
    private static string Key(OAuthSettings oauth, string clientSecret, string user) =>
        $"{oauth.Flow}\n{oauth.TokenUrl}\n{oauth.ClientId}\n{oauth.Scope}\n{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(clientSecret)))}"
        + (oauth.Flow == OAuthFlow.ServiceAccount ? $"\n{user.ToLowerInvariant()}" : "");

    private sealed record IssuedToken(string Value, DateTimeOffset RefreshFrom, DateTimeOffset UsableUntil);

    private sealed class Slot
    {
        public readonly Lock Gate = new();
        public IssuedToken? Token;
        public Task<IssuedToken>? Fetching;
    }
}

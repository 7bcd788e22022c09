using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Techmail.Silo.Http;

/// <summary>
/// The signed-in browsers of this silo: a random session id (what the cookie holds) mapped to the id of the token the
/// operator signed in with, never the token itself, until the session's expiry. Each request rechecks that token, so a
/// revoked or expired token ends its sessions too. Kept in this silo's memory: a session is good on the silo that made
/// it and ends when the silo restarts, which for a page an operator signs in to now and then costs only a new sign-in.
/// A person signed in through OpenID Connect has no token: their session holds the caller the provider's sign-in was
/// mapped to, and lasts its lifetime or until sign-out (the provider is asked again at the next sign-in).
/// </summary>
public sealed class SignInSessions(TimeProvider time)
{
    /// <summary>How long a sign-in lasts at most: a working day, then the token is asked for again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>What a session of an OpenID Connect sign-in names as its token id (in logs and the principal's claim).</summary>
    public const string OpenIdConnectTokenId = "oidc";

    /// <returns>The new session's id, for the cookie, and when it ends.</returns>
    public (string Id, DateTimeOffset Expires) Open(string tokenId) => Open(tokenId, person: null);

    /// <summary>A session for a person the OpenID Connect provider signed in, as the caller they were mapped to.</summary>
    public (string Id, DateTimeOffset Expires) OpenFor(Access.Caller person) => Open(OpenIdConnectTokenId, person);

    /// <summary>The caller of a live OpenID Connect session; null for a token's session or an unknown one.</summary>
    public Access.Caller? PersonOf(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var session) && session.Expires > time.GetUtcNow() ? session.Person : null;

    private (string Id, DateTimeOffset Expires) Open(string tokenId, Access.Caller? person)
    {
        var now = time.GetUtcNow();
        // Ended sessions are dropped as new ones open: the map holds at most the sign-ins of one lifetime.
        foreach (var (id, ended) in _sessions)
        {
            if (ended.Expires <= now)
            {
                _sessions.TryRemove(id, out _);
            }
        }

        var session = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var expires = now + Lifetime;
        _sessions[session] = new Session(tokenId, expires, person);
        return (session, expires);
    }

    /// <summary>The token id a live session was opened with; null for an unknown or ended session (which is then forgotten).</summary>
    public string? TokenIdOf(string sessionId)
    {
        if (!_sessions.TryGetValue(sessionId, out var session))
        {
            return null;
        }

        if (session.Expires <= time.GetUtcNow())
        {
            _sessions.TryRemove(sessionId, out _);
            return null;
        }

        return session.TokenId;
    }

    public void Close(string sessionId) => _sessions.TryRemove(sessionId, out _);

    private sealed record Session(string TokenId, DateTimeOffset Expires, Access.Caller? Person);
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Techmail.Access;

namespace Techmail.Connections;

/// <summary>A redirect begun by a signed-in admin, waiting for the provider to send the browser back.</summary>
/// <param name="Binding">The random value of the browser's binding cookie: the callback must come from the same browser.</param>
/// <param name="Caller">Who began it; the code is exchanged in their name, after their token is checked again.</param>
/// <param name="TokenId">The id of the token they were signed in with, to check it is still good.</param>
/// <param name="Session">
/// The sign-in session it was started from when no token stands behind it (OpenID Connect): the callback checks that
/// this session is still open. Kept only in this silo's memory, as the session map itself is.
/// </param>
public sealed record PendingConnection(string Binding, string MailboxKey, Pkce Pkce, string RedirectUri, Caller Caller, string TokenId, string? Session, DateTimeOffset Expires);

/// <summary>
/// The redirects of this silo in flight, by their state (RFC 6749 10.12: an unguessable value tying the callback to
/// the request). Each state is taken once, expires after <see cref="Lifetime"/>, and is kept in this silo's memory like
/// the sign-in sessions it belongs to: a silo restart only costs a new click.
/// </summary>
public sealed class PendingConnections(TimeProvider time)
{
    /// <summary>Long enough to sign in at the provider and consent; short enough that a leaked state is soon worthless.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, PendingConnection> _pending = new(StringComparer.Ordinal);

    /// <returns>The state to send to the provider, and the binding value for the browser's cookie.</returns>
    public (string State, PendingConnection Pending) Begin(string mailboxKey, string redirectUri, Caller caller, string tokenId, string? session = null)
    {
        var now = time.GetUtcNow();
        foreach (var (state, old) in _pending)
        {
            if (old.Expires <= now)
            {
                _pending.TryRemove(state, out _);
            }
        }

        var pending = new PendingConnection(Random(), mailboxKey, Pkce.Create(), redirectUri, caller, tokenId, session, now + Lifetime);
        var key = Random();
        _pending[key] = pending;
        return (key, pending);
    }

    /// <summary>The pending redirect of this state, removed so it can never be used again; null if unknown or expired.</summary>
    public PendingConnection? Take(string state) =>
        _pending.TryRemove(state, out var pending) && pending.Expires > time.GetUtcNow() ? pending : null;

    private static string Random() => Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
}

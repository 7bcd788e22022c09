using System.Collections.Concurrent;

namespace Techmail.Access;

/// <summary>
/// Turns a token into the caller it stands for, or the one line saying why it does not. A verified row is kept for a
/// few seconds so a busy client does not cost a query per call; a revocation through this silo drops it at once, one
/// through another silo takes effect here within <see cref="Freshness"/>.
/// </summary>
public sealed class TokenVerifier(TokenStore store, TimeProvider time)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (StoredToken? Row, DateTimeOffset Read)> _rows = new();

    public async Task<(Caller? Caller, string? Refusal)> Verify(string token)
    {
        if (TokenText.IdOf(token) is not { } id)
        {
            return (null, "the token given is not a techmail token (they start with tm1_)");
        }

        var now = time.GetUtcNow();
        if (!_rows.TryGetValue(id, out var cached) || now - cached.Read > Freshness)
        {
            cached = (await store.Find(id), now);
            _rows[id] = cached;
        }

        // Compared in constant time even when no row was found, so timing tells nothing about which ids exist.
        var matches = TokenText.Matches(token, cached.Row?.Hash ?? new byte[32]);
        if (cached.Row is not { } row || !matches)
        {
            return (null, "the token is not known to this cluster");
        }

        if (row.Info.Revoked is { } revoked)
        {
            return (null, $"token {row.Info.Name} was revoked on {revoked:yyyy-MM-dd HH:mm} UTC");
        }

        if (row.Info.Expires is { } expires && expires <= now)
        {
            return (null, $"token {row.Info.Name} expired on {expires:yyyy-MM-dd HH:mm} UTC");
        }

        return (row.Caller, null);
    }

    public void Forget(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            _rows.TryRemove(id, out _);
        }
    }
}

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

        var row = await Row(id);
        // Compared in constant time even when no row was found, so timing tells nothing about which ids exist.
        var matches = TokenText.Matches(token, row?.Hash ?? new byte[32]);
        return row is null || !matches ? (null, "the token is not known to this cluster") : Standing(row);
    }

    /// <summary>
    /// Whether a token verified earlier still stands (not revoked, not expired): a signed-in session keeps only the
    /// token's id, never the token, and is worth no more than the token it was made with.
    /// </summary>
    public async Task<(Caller? Caller, string? Refusal)> Recheck(string id) =>
        await Row(id) is { } row ? Standing(row) : (null, "the token is no longer known to this cluster");

    private async Task<StoredToken?> Row(string id)
    {
        var now = time.GetUtcNow();
        if (!_rows.TryGetValue(id, out var cached) || now - cached.Read > Freshness)
        {
            cached = (await store.Find(id), now);
            _rows[id] = cached;
        }

        return cached.Row;
    }

    private (Caller? Caller, string? Refusal) Standing(StoredToken row)
    {
        if (row.Info.Revoked is { } revoked)
        {
            return (null, $"token {row.Info.Name} was revoked on {revoked:yyyy-MM-dd HH:mm} UTC");
        }

        if (row.Info.Expires is { } expires && expires <= time.GetUtcNow())
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

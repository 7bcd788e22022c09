using System.Collections.Concurrent;
using System.Security.Cryptography;
using Techmail.Storage;

namespace Techmail.Security;

/// <summary>
/// Each tenant's keys for signing what Techmail sends out and must recognise when it comes back (tracking tokens, a
/// mailing's VERP tags and unsubscribe links): made once by whichever silo needs one first, stored sealed in
/// <c>techmail_tenant_secrets</c>, and the same on every silo, since a reply or bounce may be read by any of them.
/// </summary>
public sealed class TrackingKeys(TechmailDatabase database, ISecretProtector protector, TimeProvider time)
{
    private const string Tracking = "tracking-key";

    /// <summary>The key a mailing's VERP tags and one-click unsubscribe links are signed with: apart from the tracking key, so one use cannot stand in for the other.</summary>
    public const string Mailing = "mailing-key";

    private const int KeyBytes = 32;
    private readonly ConcurrentDictionary<(string Tenant, string Name), Lazy<Task<byte[]>>> _keys = new();

    public Task<byte[]> For(string tenant) => For(tenant, Tracking);

    public Task<byte[]> For(string tenant, string name)
    {
        var lazy = _keys.GetOrAdd((tenant, name), k => new Lazy<Task<byte[]>>(() => LoadOrCreate(k.Tenant, k.Name)));
        var task = lazy.Value;
        if (task.IsFaulted)
        {
            // A database hiccup must not poison the cache for the life of the silo.
            _keys.TryRemove(new KeyValuePair<(string, string), Lazy<Task<byte[]>>>((tenant, name), lazy));
        }

        return task;
    }

    /// <summary>
    /// The key when the tenant already has one, else null; nothing is created or cached for a miss. For paths anyone may
    /// reach without signing in (one-click unsubscribe): a made-up tenant name must not add a row or a cache entry.
    /// </summary>
    public async Task<byte[]?> Existing(string tenant, string name)
    {
        if (_keys.TryGetValue((tenant, name), out var known) && known.IsValueCreated && known.Value.IsCompletedSuccessfully)
        {
            return known.Value.Result;
        }

        await using var connection = await database.OpenAsync();
        await using var select = TechmailDatabase.Command(
            connection,
            "SELECT sealed FROM techmail_tenant_secrets WHERE tenant = @tenant AND name = @name",
            ("@tenant", tenant),
            ("@name", name));
        return await select.ExecuteScalarAsync() is string sealedKey ? await For(tenant, name) : null;
    }

    private async Task<byte[]> LoadOrCreate(string tenant, string name)
    {
        await using var connection = await database.OpenAsync();
        // Two silos may race to make the first key; the insert that loses does nothing and both read the winner.
        var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));
        await using (var insert = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_tenant_secrets (tenant, name, sealed, created_utc) VALUES (@tenant, @name, @sealed, @now)
            ON CONFLICT (tenant, name) DO NOTHING
            """,
            ("@tenant", tenant),
            ("@name", name),
            ("@sealed", protector.Protect(fresh)),
            ("@now", time.GetUtcNow().UtcDateTime)))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = TechmailDatabase.Command(
            connection,
            "SELECT sealed FROM techmail_tenant_secrets WHERE tenant = @tenant AND name = @name",
            ("@tenant", tenant),
            ("@name", name));
        var sealedKey = await select.ExecuteScalarAsync() as string
            ?? throw new InvalidOperationException($"the {name} of tenant '{tenant}' was neither found nor created.");
        return Convert.FromBase64String(protector.Unprotect(sealedKey));
    }
}

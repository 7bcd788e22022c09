using System.Collections.Concurrent;
using System.Security.Cryptography;
using Techmail.Storage;

namespace Techmail.Security;

/// <summary>
/// Each tenant's key for signing tracking tokens: made once by whichever silo needs it first, stored sealed in
/// <c>techmail_tenant_secrets</c>, and the same on every silo, since a reply may be read by any of them.
/// </summary>
public sealed class TrackingKeys(TechmailDatabase database, ISecretProtector protector, TimeProvider time)
{
    private const string Name = "tracking-key";
    private const int KeyBytes = 32;
    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _keys = new(StringComparer.Ordinal);

    public Task<byte[]> For(string tenant)
    {
        var lazy = _keys.GetOrAdd(tenant, t => new Lazy<Task<byte[]>>(() => LoadOrCreate(t)));
        var task = lazy.Value;
        if (task.IsFaulted)
        {
            // A database hiccup must not poison the cache for the life of the silo.
            _keys.TryRemove(new KeyValuePair<string, Lazy<Task<byte[]>>>(tenant, lazy));
        }

        return task;
    }

    private async Task<byte[]> LoadOrCreate(string tenant)
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
            ("@name", Name),
            ("@sealed", protector.Protect(fresh)),
            ("@now", time.GetUtcNow().UtcDateTime)))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = TechmailDatabase.Command(
            connection,
            "SELECT sealed FROM techmail_tenant_secrets WHERE tenant = @tenant AND name = @name",
            ("@tenant", tenant),
            ("@name", Name));
        var sealedKey = await select.ExecuteScalarAsync() as string
            ?? throw new InvalidOperationException($"the tracking key of tenant '{tenant}' was neither found nor created.");
        return Convert.FromBase64String(protector.Unprotect(sealedKey));
    }
}

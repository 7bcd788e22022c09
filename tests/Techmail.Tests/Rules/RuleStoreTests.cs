using Techmail.Rules;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Rules;

/// <summary>The rules table on both real databases.</summary>
public sealed class RuleStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_keeps_one_document_per_tenant_and_counts_versions() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_keeps_one_document_per_tenant_and_counts_versions() => await Scenario(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new RuleStore(database);
        Assert.Null(await store.Get("acme"));

        Assert.Equal(1, await store.Save("acme", "{\"rules\": []}\n", T0));
        // Text outside ASCII and a long document come back exactly.
        var second = "{\"rules\": [\"Größe ✓ 日本\"]}" + new string(' ', 200_000);
        Assert.Equal(2, await store.Save("acme", second, T0.AddMinutes(1)));
        Assert.Equal(new RuleSetDocument(2, second), await store.Get("acme"));

        // Tenants are apart.
        Assert.Null(await store.Get("other"));
        Assert.Equal(1, await store.Save("other", "{}", T0));
        Assert.Equal(new RuleSetDocument(2, second), await store.Get("acme"));
        Assert.Equal(3, await store.Save("acme", "{}", T0.AddMinutes(2)));
    }
}

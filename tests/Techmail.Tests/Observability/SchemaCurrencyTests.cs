using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Observability;

/// <summary>The schema check of /readyz: the upgrades' own probes, run without changing anything, on both databases.</summary>
public sealed class SchemaCurrencyTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public Task Sqlite_without_the_upgrades_is_not_current_and_is_once_they_are_applied() => Scenario(_databases.EmptySqlite());

    [Fact]
    public async Task Postgres_without_the_upgrades_is_not_current_and_is_once_they_are_applied() =>
        await Scenario(new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase()));

    private static async Task Scenario(TechmailDatabase database)
    {
        await using (var connection = await database.OpenAsync())
        {
            var pending = await SchemaInstaller.PendingUpgrades(connection, database.Kind);
            // An empty database has the oldest shape of all: every upgrade whose probe looks for a missing column is due.
            Assert.Contains("002-quarantine-stage.sql", pending);
        }

        await SchemaInstaller.Apply(database);
        await using (var connection = await database.OpenAsync())
        {
            Assert.Empty(await SchemaInstaller.PendingUpgrades(connection, database.Kind));
        }
    }

    public void Dispose() => _databases.Dispose();
}

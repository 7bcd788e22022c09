using Techmail.Hosting;
using Techmail.Storage;

namespace Techmail.Tests.Support;

/// <summary>Fresh databases with the project's schema, for store tests that run the same scenario on SQLite and PostgreSQL.</summary>
public sealed class ScratchDatabases : IDisposable
{
    private readonly TempDirectory _directory = new("techmail-scratch-db");

    public async Task<TechmailDatabase> Sqlite()
    {
        var database = new TechmailOptions { DataDirectory = _directory.Path }.Database();
        await SchemaInstaller.Apply(database);
        return database;
    }

    public static async Task<TechmailDatabase> Postgres()
    {
        var database = new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase());
        await SchemaInstaller.Apply(database);
        return database;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}

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

    /// <summary>
    /// An SQLite database with no schema yet, in a folder of its own: an upgrade test lays out an earlier version's
    /// tables first. Its pooled connections are cleared with the others when this is disposed.
    /// </summary>
    public TechmailDatabase EmptySqlite() =>
        new TechmailOptions { DataDirectory = Directory.CreateDirectory(System.IO.Path.Combine(_directory.Path, Guid.NewGuid().ToString("N"))).FullName }.Database();

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

using Microsoft.Data.Sqlite;
using Orleans.TestingHost;
using Techmail.Hosting;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>An in-process silo on the real SQLite ADO.NET providers with the project's own schema.</summary>
public sealed class SqliteClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("techmail-cluster");

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public TechmailOptions Options { get; private set; } = null!;

    public string DatabaseFile => Options.SqliteFile;

    public async Task InitializeAsync()
    {
        Options = new TechmailOptions { DataDirectory = _data.Path };
        Cluster = await TechmailTestCluster.Start(Options);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    public Task<long> Scalar(string sql, params (string, object?)[] parameters) => TechmailTestCluster.Scalar(Options, sql, parameters);

    public Task<long> ReminderCount(string mailboxKey) =>
        Scalar("SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId = @id", ("@id", "mailbox/" + mailboxKey));

    public Task<long> ReminderPeriodMs(string mailboxKey) =>
        Scalar("SELECT COALESCE(MAX(Period), 0) FROM OrleansRemindersTable WHERE GrainId = @id", ("@id", "mailbox/" + mailboxKey));
}

[CollectionDefinition(Name)]
public sealed class SqliteClusterCollection : ICollectionFixture<SqliteClusterFixture>
{
    public const string Name = "sqlite cluster";
}

using Microsoft.Data.Sqlite;
using Orleans.TestingHost;
using Techmail.Hosting;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>An in-process silo on the real ADO.NET providers with the project's own schema.</summary>
public abstract class ClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("techmail-cluster");

    protected string DataDirectory => _data.Path;

    protected abstract Task<TechmailOptions> CreateOptions();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public TechmailOptions Options { get; private set; } = null!;

    public string DatabaseFile => Options.SqliteFile;

    public async Task InitializeAsync()
    {
        Options = await CreateOptions();
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

/// <summary>The embedded default: one SQLite file in the data directory.</summary>
public sealed class SqliteClusterFixture : ClusterFixture
{
    protected override Task<TechmailOptions> CreateOptions() => Task.FromResult(new TechmailOptions { DataDirectory = DataDirectory });
}

/// <summary>The cluster profile's storage: a database of its own on the test run's PostgreSQL.</summary>
public sealed class PostgresClusterFixture : ClusterFixture
{
    protected override async Task<TechmailOptions> CreateOptions() => new()
    {
        DataDirectory = DataDirectory,
        Storage = Techmail.Storage.StorageKind.PostgreSql,
        ConnectionString = await (await PostgresServer.Instance).CreateDatabase(),
        KeyRingKeyFile = TestKeyRing.File,
    };
}

[CollectionDefinition(Name)]
public sealed class SqliteClusterCollection : ICollectionFixture<SqliteClusterFixture>
{
    public const string Name = "sqlite cluster";
}

[CollectionDefinition(Name)]
public sealed class PostgresClusterCollection : ICollectionFixture<PostgresClusterFixture>
{
    public const string Name = "postgres cluster";
}

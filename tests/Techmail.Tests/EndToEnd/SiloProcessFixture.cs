using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>One silo process shared by the CLI tests of a class; each test works in a tenant of its own.</summary>
public class SiloProcessFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("techmail-silo");

    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>Set for the cluster profile: the client then finds the gateway through the membership table.</summary>
    protected string? Connection { get; set; }

    public Cli Cli(string tenant) => new(Silo.Gateway, tenant, Connection);

    public virtual async Task InitializeAsync()
    {
        var http = FreePort.Next();
        string[] storage = Connection is null ? [] : ["--storage", "PostgreSql", "--connection", Connection, .. TestKeyRing.SiloArgs];
        Silo = await SiloProcess.Start(_data.Path, extraArgs: [.. storage, .. ExtraArgs(http)], httpPort: http);
    }

    /// <summary>Settings a fixture adds to the silo's command line, knowing the HTTP port it will listen on.</summary>
    protected virtual IEnumerable<string> ExtraArgs(int httpPort) => [];

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>The same, on the cluster profile: a silo on a PostgreSQL database of its own.</summary>
public sealed class PostgresSiloProcessFixture : SiloProcessFixture
{
    public override async Task InitializeAsync()
    {
        Connection = await (await PostgresServer.Instance).CreateDatabase();
        await base.InitializeAsync();
    }
}

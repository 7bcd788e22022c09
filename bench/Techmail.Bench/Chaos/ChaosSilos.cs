using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Bench.Chaos;

/// <summary>
/// The silos of one chaos profile, each a process started as a user starts it (<c>dotnet run --project
/// Techmail.Silo</c>): one on embedded SQLite, or several on one PostgreSQL database. A silo is killed with SIGKILL
/// and started again on the same ports and data directory, as a supervisor (systemd) restarts a crashed service.
/// </summary>
public sealed class ChaosSilos : IAsyncDisposable
{
    private readonly List<TempDirectory> _directories;
    private readonly SiloProcess?[] _silos;
    private readonly (int Silo, int Gateway)[] _ports;
    private readonly string? _connection;

    private ChaosSilos(int count, string? connection)
    {
        _connection = connection;
        _directories = [.. Enumerable.Range(0, count).Select(_ => new TempDirectory("techmail-chaos-silo"))];
        _silos = new SiloProcess?[count];
        _ports = [.. Enumerable.Range(0, count).Select(_ => (FreePort.Next(), FreePort.Next()))];
    }

    public int Count => _silos.Length;

    /// <summary>Where the engine keeps its records, read directly by the audit.</summary>
    public TechmailDatabase Database => _connection is null
        ? new Hosting.TechmailOptions { DataDirectory = _directories[0].Path }.Database()
        : new TechmailDatabase(StorageKind.PostgreSql, _connection);

    public static async Task<ChaosSilos> Embedded()
    {
        var silos = new ChaosSilos(1, null);
        await silos.Start(0);
        return silos;
    }

    public static async Task<ChaosSilos> Cluster(string connection, int count)
    {
        var silos = new ChaosSilos(count, connection);
        for (var i = 0; i < count; i++)
        {
            await silos.Start(i);
        }

        return silos;
    }

    public async Task Start(int index)
    {
        var extra = _connection is null ? Array.Empty<string>() : ["--storage", "PostgreSql", "--connection", _connection, .. TestKeyRing.SiloArgs];
        _silos[index] = await SiloProcess.Start(_directories[index].Path, _ports[index].Silo, _ports[index].Gateway, extra);
    }

    /// <summary>SIGKILL to the silo (and the <c>dotnet run</c> around it): no shutdown, no flush, no goodbye to the cluster.</summary>
    public async Task Kill(int index)
    {
        if (_silos[index] is { } silo)
        {
            silo.Kill();
            await silo.DisposeAsync();
            _silos[index] = null;
        }
    }

    /// <summary>Every silo that is not running is started again.</summary>
    public async Task EnsureAllRunning()
    {
        for (var i = 0; i < _silos.Length; i++)
        {
            if (_silos[i] is null || _silos[i]!.HasExited)
            {
                if (_silos[i] is { } dead)
                {
                    await dead.DisposeAsync();
                }

                await Start(i);
            }
        }
    }

    /// <summary>An admin client: through the one gateway for the embedded silo, through the membership table for the cluster.</summary>
    public async Task<IHost> Connect()
    {
        var host = new HostBuilder().UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("techmail", "techmail"));
            OperatorIdentity.Carry(client, _directories[0].Path);
            if (_connection is null)
            {
                client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, _ports[0].Gateway));
            }
            else
            {
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", _connection));
            }
        }).Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }

        // Kept for an engineer to open (sqlite3 DATA/techmail.db) when asked; the cluster's database goes with its server.
        if (Environment.GetEnvironmentVariable("CHAOS_KEEP_DATA") == "1")
        {
            Console.WriteLine($"data kept in {string.Join(", ", _directories.Select(d => d.Path))}");
            return;
        }

        _directories.ForEach(d => d.Dispose());
    }
}

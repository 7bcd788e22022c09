using System.Diagnostics;
using Npgsql;

namespace Techmail.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL for the test run, on 127.0.0.1 and a free port, started once and shared; each
/// fixture gets a database of its own. initdb and pg_ctl refuse root, so as root they run as postgres.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => Start());

    private readonly string _base;
    private readonly string _bin;

    private PostgresServer(string @base, string bin, int port)
    {
        _base = @base;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    public static Task<PostgresServer> Instance => Shared.Value;

    /// <summary>A server of the caller's own, for a test that stops and starts it under a running silo.</summary>
    public static Task<PostgresServer> StartDedicated() => Start();

    /// <summary>Stops the server the way a crash or a failover does to its clients: their connections are cut at once.</summary>
    public Task Halt() => AsPostgres(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_base, "data"), "-m", "immediate", "-w", "stop"]);

    /// <summary>Starts a halted server again on the same port, with its data.</summary>
    public Task Resume() => AsPostgres(Path.Combine(_bin, "pg_ctl"), StartArguments());

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true, MaxPoolSize = 50 }.ToString();

    /// <summary>A new, empty database.</summary>
    public async Task<string> CreateDatabase()
    {
        var name = "tm_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private static async Task<PostgresServer> Start()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (expected /usr/lib/postgresql/*/bin/initdb); scripts/test installs it.");
        }

        var @base = Directory.CreateTempSubdirectory("techmail-pg-").FullName;
        var port = FreePort.Next();
        await Run("chmod", ["755", @base]);
        Directory.CreateDirectory(Path.Combine(@base, "sock"));
        if (IsRoot)
        {
            await Run("chown", ["-R", "postgres:postgres", @base]);
        }

        var server = new PostgresServer(@base, bin, port);
        await server.AsPostgres(Path.Combine(bin, "initdb"), ["-D", Path.Combine(@base, "data"), "--auth=trust", "-U", "postgres", "-N", "-E", "UTF8"]);
        // fsync off: a test database that dies with the machine loses nothing anyone wants.
        await server.AsPostgres(Path.Combine(bin, "pg_ctl"), server.StartArguments());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    private string[] StartArguments() =>
    [
        "-D", Path.Combine(_base, "data"), "-l", Path.Combine(_base, "postgres.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {Path.Combine(_base, "sock")} -c fsync=off -c max_connections=300",
        "start",
    ];

    private void Stop()
    {
        try
        {
            AsPostgres(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_base, "data"), "-m", "immediate", "stop"]).Wait(TimeSpan.FromSeconds(20));
            Directory.Delete(_base, recursive: true);
        }
        catch (Exception)
        {
            // Best effort at exit; the temp directory goes with the machine.
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task AsPostgres(string program, IEnumerable<string> args) =>
        IsRoot ? Run("runuser", ["-u", "postgres", "--", program, .. args]) : Run(program, args);

    private static async Task Run(string program, IEnumerable<string> args)
    {
        // The server that pg_ctl starts must not inherit our pipes, or reading them would never end.
        var capture = !program.EndsWith("pg_ctl", StringComparison.Ordinal) && !args.Contains("start");
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = capture, RedirectStandardError = capture, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = capture ? process.StandardError.ReadToEndAsync() : Task.FromResult("");
        var stdout = capture ? process.StandardOutput.ReadToEndAsync() : Task.FromResult("");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}

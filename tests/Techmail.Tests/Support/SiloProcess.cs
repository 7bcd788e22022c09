using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Techmail.Tests.Support;

/// <summary>A silo in its own process, started with the README's command, on ports and a data directory of its own.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(Process process, string dataDirectory, int gatewayPort, int httpPort)
    {
        _process = process;
        DataDirectory = dataDirectory;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
    }

    // Every silo a test started, newest last: where its operator token is, for the CLI the test runs against it.
    private static readonly List<(string Gateway, string? Connection, string TokenFile)> Started = [];

    /// <summary>
    /// The operator token of the silo at this gateway, or of the newest silo of this PostgreSQL cluster: what
    /// <see cref="Cli"/> hands the client, so every CLI test has an identity without saying so.
    /// </summary>
    public static string? OperatorTokenFileFor(string gateway, string? connection)
    {
        lock (Started)
        {
            return Started.LastOrDefault(s => s.Gateway == gateway).TokenFile
                ?? (connection is null ? null : Started.LastOrDefault(s => s.Connection == connection).TokenFile);
        }
    }

    public string OperatorTokenFile => Path.Combine(DataDirectory, "operator-token");

    public string DataDirectory { get; }

    public int GatewayPort { get; }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    /// <summary>The silo's HTTP endpoint (health, metrics); a free port, never the default 8080 another silo may hold.</summary>
    public int HttpPort { get; }

    public Uri Http => new($"http://127.0.0.1:{HttpPort}/");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The silo program itself, for reading its CPU time and memory.</summary>
    public int? SiloProcessId => _process.HasExited ? null : _process.Id;

    /// <param name="httpPort">Given when the test must know the HTTP address before the start (a public URL naming it).</param>
    public static async Task<SiloProcess> Start(string dataDirectory, int? siloPort = null, int? gatewayPort = null, IEnumerable<string>? extraArgs = null, int? httpPort = null)
    {
        var gateway = gatewayPort ?? FreePort.Next();
        var http = httpPort ?? FreePort.Next();
        var given = extraArgs?.ToList() ?? [];
        var connection = given.IndexOf("--connection") is var at and >= 0 && at + 1 < given.Count ? given[at + 1] : null;
        lock (Started)
        {
            Started.Add(($"127.0.0.1:{gateway}", connection, Path.Combine(Path.GetFullPath(dataDirectory), "operator-token")));
        }

        var args = new List<string>
        {
            "--data-dir", dataDirectory,
            "--silo-port", (siloPort ?? FreePort.Next()).ToString(),
            "--gateway-port", gateway.ToString(),
            "--http-port", http.ToString(),
        };
        args.AddRange(given);
        var info = ProcessRunner.DotnetRun("Techmail.Silo", args);
        info.RedirectStandardInput = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, dataDirectory, gateway, http);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Exited += (_, _) => silo._ready.TrySetException(new InvalidOperationException("silo exited before it was ready:\n" + silo.Output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var finished = await Task.WhenAny(silo._ready.Task, Task.Delay(TimeSpan.FromSeconds(90)));
        if (finished != silo._ready.Task)
        {
            await silo.DisposeAsync();
            throw new TimeoutException("silo not ready after 90 s:\n" + silo.Output);
        }

        await silo._ready.Task;
        return silo;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Techmail silo ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>Asks the silo to stop the way an operator's Ctrl+C or systemd stop does (SIGTERM).</summary>
    public async Task Stop()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }

        SqliteConnection.ClearAllPools();
    }

    /// <summary>Kills the silo with no chance to clean up, as a crash or an OOM kill would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(30_000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Stop();
        }
        finally
        {
            Kill();
            _process.Dispose();
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text;

namespace Techmail.Bench;

/// <summary>
/// <c>TECHMAIL_BENCH_TELEMETRY=compare bench/run-scale ...</c>: the scale benchmark twice in one run, first with the
/// silo's OpenTelemetry SDK off (<c>OTEL_SDK_DISABLED=true</c>, the standard switch: no meters read, no spans), then
/// as shipped with its metrics and sampled traces pushed over OTLP to a receiver in this process, metrics every 15 s as
/// a Prometheus scrape would read them; then the two tables side by side. The silos inherit the settings from this
/// process's environment, so the benchmark itself is run unchanged.
/// </summary>
public static class ScaleTelemetryComparison
{
    public const string Variable = "TECHMAIL_BENCH_TELEMETRY";

    public static async Task<int> Run(string[] args, Func<string[], Task<int>> benchmark)
    {
        if (Environment.GetEnvironmentVariable(Variable) != "compare")
        {
            return await benchmark(args);
        }

        Console.WriteLine("Telemetry off, then on, in one run (the same benchmark twice).");
        Console.WriteLine();
        Console.WriteLine("=== telemetry off (OTEL_SDK_DISABLED=true) ===");
        Environment.SetEnvironmentVariable("OTEL_SDK_DISABLED", "true");
        var (offExit, off) = await Captured(() => benchmark(args));
        Environment.SetEnvironmentVariable("OTEL_SDK_DISABLED", null);
        if (offExit != 0)
        {
            return offExit;
        }

        Console.WriteLine();
        Console.WriteLine("=== telemetry on (as shipped; OTLP to a local receiver, metrics every 15 s) ===");
        using var receiver = OtlpReceiver.Start();
        var variables = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "15000",
        };
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        int onExit;
        string on;
        try
        {
            (onExit, on) = await Captured(() => benchmark(args));
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"OTLP receiver: {receiver.Traces} trace and {receiver.Metrics} metric exports, {receiver.Bytes / 1024.0:N0} KiB.");
        Console.WriteLine();
        Console.WriteLine("| measure | telemetry off | telemetry on |");
        Console.WriteLine("|---|---|---|");
        var onRows = Rows(on).ToDictionary(r => r.Measure, r => r.Value, StringComparer.Ordinal);
        foreach (var (measure, value) in Rows(off))
        {
            Console.WriteLine($"| {measure} | {value} | {onRows.GetValueOrDefault(measure, "")} |");
        }

        return onExit;
    }

    /// <summary>The measure and value of each row of the benchmark's result table.</summary>
    private static IEnumerable<(string Measure, string Value)> Rows(string output) =>
        output.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| measure ", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length >= 4)
            .Select(cells => (cells[1], cells[2]));

    /// <summary>Runs with everything written to the console also kept, to read the result table back.</summary>
    private static async Task<(int Exit, string Output)> Captured(Func<Task<int>> run)
    {
        var original = Console.Out;
        var kept = new StringWriter(CultureInfo.InvariantCulture);
        Console.SetOut(new Tee(original, kept));
        try
        {
            var exit = await run();
            return (exit, kept.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    private sealed class Tee(TextWriter first, TextWriter second) : TextWriter
    {
        public override Encoding Encoding => first.Encoding;

        public override void Write(char value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Write(string? value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void WriteLine(string? value)
        {
            first.WriteLine(value);
            second.WriteLine(value);
        }

        public override void Flush() => first.Flush();
    }

    /// <summary>
    /// Takes OTLP over HTTP (protobuf) and throws it away, answering as a collector does (200, an empty response
    /// message): the silo pays for collecting, encoding and sending what it would send a real collector.
    /// </summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private long _traces, _metrics, _bytes;

        private OtlpReceiver(int port)
        {
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
        }

        public string Endpoint { get; }

        public long Traces => Interlocked.Read(ref _traces);

        public long Metrics => Interlocked.Read(ref _metrics);

        public long Bytes => Interlocked.Read(ref _bytes);

        public static OtlpReceiver Start()
        {
            var receiver = new OtlpReceiver(Techmail.Tests.Support.FreePort.Next());
            receiver._listener.Start();
            _ = receiver.Serve();
            return receiver;
        }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    Interlocked.Add(ref _bytes, body.Length);
                    var path = context.Request.Url?.AbsolutePath ?? "";
                    Interlocked.Increment(ref path.EndsWith("/v1/traces", StringComparison.Ordinal) ? ref _traces : ref _metrics);
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/x-protobuf";
                    context.Response.Close();
                });
            }
        }

        public void Dispose() => _listener.Close();
    }
}

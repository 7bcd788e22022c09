using System.Diagnostics;
using System.Globalization;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Techmail.Bench;
using Techmail.Hosting;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Storage;
using Techmail.Tests.Support;

if (args.Length > 0 && args[0] == "classify")
{
    return ClassifyBenchmark.Run(args.Skip(1).ToArray());
}

if (args.Length > 0 && args[0] == "replies")
{
    return RepliesBenchmark.Run(args.Skip(1).ToArray());
}

if (args.Length > 0 && args[0] == "scale")
{
    return await ScaleTelemetryComparison.Run(args.Skip(1).ToArray(), ScaleBenchmark.Run);
}

if (args.Length > 0 && args[0] == "incident-list")
{
    return await IncidentListBenchmark.Run(args.Skip(1).ToArray());
}

if (args.Length > 0 && args[0] == "chaos")
{
    return await Techmail.Bench.Chaos.ChaosBenchmark.Run(args.Skip(1).ToArray());
}

if (args.Length > 0 && args[0] == "mailing")
{
    return await MailingBenchmark.Run(args.Skip(1).ToArray());
}

if (args.Length > 0 && args[0] == "cluster")
{
    return await ClusterBenchmark.Run(args.Skip(1).ToArray());
}

// End-to-end ingest: Techmail's whole path (mail off the server, recorded, every message an incident, every
// acknowledgement accepted by an SMTP server) against two baselines measured in the same run on the same Dovecot
// with the same messages: a bare MailKit pipelined fetch-and-delete (the ceiling) and fetchmail delivering to a
// BSMTP file (what an admin would otherwise run).
var small = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var large = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;

Console.WriteLine($"Loading {small} small and {large} large messages per run; a warm-up round, then {rounds} rounds; {Environment.ProcessorCount} cores.");
var messages = Enumerable.Range(0, small).Select(BenchMessages.Small)
    .Concat(Enumerable.Range(0, large).Select(BenchMessages.Large))
    .ToList();
Console.WriteLine($"Average sizes: small {messages.Take(small).Average(m => m.Length):N0} B, large {messages.Skip(small).DefaultIfEmpty([]).Average(m => m.Length):N0} B.");

await using var dovecot = await DovecotServer.Start();
await using var smtp = await SmtpSink.Start();
using var data = new TempDirectory("techmail-bench");
var options = new TechmailOptions { DataDirectory = data.Path, SiloPort = FreePort.Next(), GatewayPort = FreePort.Next() };
await SchemaInstaller.Apply(options.Database());
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo => silo.AddTechmail(options));
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();

var results = new List<(string Name, int Round, double Seconds)>();
const string IntakePart = "  of which: mail off the server, recorded";
// TECHMAIL_BENCH_TELEMETRY=compare: each round runs the Techmail path twice, once without telemetry and once with the
// silo's metrics and traces as shipped (Techmail's and Orleans' meters read every 10 s, traces sampled at the default
// ratio and batched to an exporter), alternating which goes first.
var compareTelemetry = Environment.GetEnvironmentVariable("TECHMAIL_BENCH_TELEMETRY") == "compare";
const string TelemetrySuffix = ", telemetry on";
const string TelemetryOn = "Techmail full path" + TelemetrySuffix;
var user = 0;
// Round 0 warms every path up and is not counted: the silo's first rounds are mostly spent compiling its code (the
// JIT, then again with profile data), which a running silo has done long before. Each round prints its JIT time: the
// compiler keeps some of the CPU for a few more rounds, but five warm-up rounds left Techmail's median where one did.
for (var round = 0; round <= rounds; round++)
{
    // Interleaved, so machine noise falls on all three alike.
    var techmailOnly = Environment.GetEnvironmentVariable("TECHMAIL_BENCH_ONLY") == "techmail";
    if (!techmailOnly)
    {
        results.Add(("MailKit pipelined fetch+delete (ceiling)", round, await Measure(BareMailKit)));
    }

    if (!techmailOnly && File.Exists("/usr/bin/fetchmail"))
    {
        results.Add(("fetchmail --bsmtp", round, await Measure(Fetchmail)));
    }

    if (compareTelemetry && round % 2 == 1)
    {
        results.Add((TelemetryOn, round, await Measure((name, password) => WithTelemetry(() => TechmailPoll(name, password, round, IntakePart + TelemetrySuffix)))));
    }

    results.Add(("Techmail full path", round, await Measure((name, password) => TechmailPoll(name, password, round))));
    if (compareTelemetry && round % 2 == 0)
    {
        results.Add((TelemetryOn, round, await Measure((name, password) => WithTelemetry(() => TechmailPoll(name, password, round, IntakePart + TelemetrySuffix)))));
    }
}

Console.WriteLine();
Console.WriteLine($"{"path",-42} {"median s",9} {"msg/s",9}  rounds");
var medians = new Dictionary<string, double>();
foreach (var group in results.Where(r => r.Round > 0).GroupBy(r => r.Name))
{
    var seconds = group.Select(r => r.Seconds).Order().ToList();
    var median = seconds[seconds.Count / 2];
    medians[group.Key] = messages.Count / median;
    Console.WriteLine($"{group.Key,-42} {median,9:F2} {messages.Count / median,9:N0}  {string.Join(" ", seconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}");
}

if (medians.TryGetValue(TelemetryOn, out var withTelemetry))
{
    Console.WriteLine($"Telemetry on / off (same run): {withTelemetry / medians["Techmail full path"]:F3} (intake part {medians[IntakePart + TelemetrySuffix] / medians[IntakePart]:F3})");
}

if (!medians.ContainsKey("MailKit pipelined fetch+delete (ceiling)"))
{
    await host.StopAsync();
    return 0;
}

var techmail = medians["Techmail full path"];
var intake = medians[IntakePart];
Console.WriteLine();
Console.WriteLine("Techmail full path: every message an incident (contact, thread, rules) and its acknowledgement accepted by the SMTP server.");
Console.WriteLine($"Techmail / MailKit ceiling: {techmail / medians["MailKit pipelined fetch+delete (ceiling)"]:F2} (intake part alone {intake / medians["MailKit pipelined fetch+delete (ceiling)"]:F2})");
if (medians.TryGetValue("fetchmail --bsmtp", out var fetchmail))
{
    Console.WriteLine($"Techmail / fetchmail --bsmtp: {techmail / fetchmail:F2} (intake part alone {intake / fetchmail:F2})");
}

await host.StopAsync();
return 0;

async Task<double> Measure(Func<string, string, Task> run)
{
    var name = $"bench{++user}";
    var password = "bench-password";
    dovecot.AddUser(name, password);
    foreach (var m in messages)
    {
        dovecot.Deliver(name, m);
    }

    var watch = Stopwatch.StartNew();
    await run(name, password);
    watch.Stop();
    var left = dovecot.CountMessages(name);
    if (left != 0)
    {
        throw new InvalidOperationException($"{left} messages left on the server after a run for {name}.");
    }

    return watch.Elapsed.TotalSeconds;
}

async Task BareMailKit(string name, string password)
{
    using var client = new Pop3Client();
    await client.ConnectAsync("127.0.0.1", dovecot.Pop3Port, SecureSocketOptions.None);
    await client.AuthenticateAsync(name, password);
    var count = await client.GetMessageCountAsync();
    for (var start = 0; start < count; start += 100)
    {
        var indexes = Enumerable.Range(start, Math.Min(100, count - start)).ToList();
        var streams = await client.GetStreamsAsync(indexes, false);
        foreach (var s in streams)
        {
            s.Dispose();
        }

        await client.DeleteMessagesAsync(indexes);
    }

    await client.DisconnectAsync(true);
}

async Task Fetchmail(string name, string password)
{
    var rc = data.File($"fetchmailrc-{name}");
    await File.WriteAllTextAsync(rc, $"poll 127.0.0.1 port {dovecot.Pop3Port} protocol pop3 user \"{name}\" password \"{password}\" no keep fetchall sslproto ''\n");
    File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    var info = new ProcessStartInfo("fetchmail", ["-f", rc, "--bsmtp", data.File($"out-{name}.bsmtp"), "--nosyslog", "--silent"])
    {
        RedirectStandardError = true,
        RedirectStandardOutput = true,
    };
    info.Environment["HOME"] = data.Path;
    using var process = Process.Start(info)!;
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode is not (0 or 1))
    {
        throw new InvalidOperationException($"fetchmail exited {process.ExitCode}: {await stderr}");
    }
}

async Task TechmailPoll(string name, string password, int round, string intakeLabel = IntakePart)
{
    var writtenStart = BytesWritten();
    var (readCallsStart, writeCallsStart) = (ProcessIo("syscr"), ProcessIo("syscw"));
    var watch = Stopwatch.StartNew();
    var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    var sysStart = Process.GetCurrentProcess().PrivilegedProcessorTime;
    var (pauseStart, gc0, gc1, gc2, allocStart) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
    var (jitStart, jittedStart) = (System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
    var acksBefore = smtp.Count;
    var grain = grains.GetGrain<IMailboxGrain>(MailboxKey.For("bench", name));
    await grain.Create(MailboxSettings.Empty(MailboxType.Service) with
    {
        Enabled = true,
        PollInterval = TimeSpan.FromHours(1),
        Incoming = new IncomingSettings(MailProtocol.Pop3, "127.0.0.1", dovecot.Pop3Port, TlsMode.None, name, password, [], AllowPlaintextPassword: true),
        Outgoing = new OutgoingSettings("bounces@example.com", "support@example.com", null, "Example Support", new SmtpRelaySettings("127.0.0.1", smtp.Port, TlsMode.None, null, null)),
    });
    var before = await grain.GetStatus();
    await grain.PollNow();
    while (true)
    {
        await Task.Delay(20);
        var status = await grain.GetStatus();
        if (status.FinishedPollSince(before))
        {
            if (status.LastError is not null || status.Counts.Accepted != messages.Count)
            {
                throw new InvalidOperationException($"Techmail poll ended with {status.Counts.Accepted} accepted: {status.LastError}");
            }

            break;
        }
    }

    results.Add((intakeLabel, round, watch.Elapsed.TotalSeconds));
    var cpuAtPollEnd = Process.GetCurrentProcess().TotalProcessorTime;
    await grains.GetGrain<IIncidentBuilderGrain>(MailboxKey.For("bench", name)).Drain();
    var builtAt = watch.Elapsed.TotalSeconds;
    var deadline = DateTime.UtcNow.AddMinutes(5);
    while (smtp.Count - acksBefore < messages.Count)
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new InvalidOperationException($"{smtp.Count - acksBefore} of {messages.Count} acknowledgements arrived within 5 minutes.");
        }

        await Task.Delay(10);
    }

    Console.WriteLine($"{(round == 0 ? "warm-up" : $"round {round}")}: poll {results[^1].Seconds:F2} s, built {builtAt:F2} s, acks {watch.Elapsed.TotalSeconds:F2} s; silo CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds:F2} s ({(cpuAtPollEnd - cpuStart).TotalSeconds:F2} s by poll end), sys {(Process.GetCurrentProcess().PrivilegedProcessorTime - sysStart).TotalSeconds:F2} s; GC pause {(GC.GetTotalPauseDuration() - pauseStart).TotalSeconds:F2} s, gen0/1/2 {GC.CollectionCount(0) - gc0}/{GC.CollectionCount(1) - gc1}/{GC.CollectionCount(2) - gc2}, allocated {(GC.GetTotalAllocatedBytes() - allocStart) / 1e6:F0} MB; written {(BytesWritten() - writtenStart) / 1e6:F0} MB in {ProcessIo("syscw") - writeCallsStart:N0} write calls, {ProcessIo("syscr") - readCallsStart:N0} read calls; JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitStart).TotalSeconds:F2} s, {System.Runtime.JitInfo.GetCompiledMethodCount() - jittedStart:N0} methods");
    var incidents = await CountRows("SELECT COUNT(*) FROM techmail_incidents WHERE tenant = 'bench' AND mailbox = @m", name);
    if (incidents != messages.Count)
    {
        throw new InvalidOperationException($"{incidents} incidents for {messages.Count} messages.");
    }
}

// The silo's own telemetry registration, listening for one run and then disposed (which flushes it).
async Task WithTelemetry(Func<Task> run)
{
    var metrics = new List<OpenTelemetry.Metrics.Metric>();
    var spans = new List<Activity>();
    var services = new ServiceCollection();
    services.AddTechmailTelemetry(
        options,
        m => m.AddInMemoryExporter(metrics, o => o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000),
        t => t.AddProcessor(new OpenTelemetry.BatchActivityExportProcessor(new OpenTelemetry.Exporter.InMemoryExporter<Activity>(spans))));
    // The gauges' sampler reads the silo's database, as it does in a silo.
    var sampler = new BacklogSampler(
        host.Services.GetRequiredService<Techmail.Intake.IntakeBacklogReader>(),
        host.Services.GetRequiredService<Techmail.Outgoing.OutboxStore>(),
        host.Services.GetRequiredService<Techmail.Connections.MailboxGrantStore>(),
        TimeProvider.System,
        host.Services.GetRequiredService<ILogger<BacklogSampler>>());
    await using (var provider = services.BuildServiceProvider())
    {
        _ = provider.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>();
        _ = provider.GetRequiredService<OpenTelemetry.Trace.TracerProvider>();
        await sampler.StartAsync(CancellationToken.None);
        await run();
        await sampler.StopAsync(CancellationToken.None);
    }

    sampler.Dispose();

    Console.WriteLine($"  telemetry: {spans.Count} spans exported, {metrics.Count} metric streams exported over its exports");
}

// What the process handed to write calls (database, log, sockets): the kernel's count, so SQLite's own writes count too.
static long BytesWritten() => ProcessIo("wchar");

// One counter of /proc/self/io. syscr and syscw count read and write calls through files (SQLite's page reads and
// writes show there); the send and receive calls .NET makes on sockets are not among them.
static long ProcessIo(string counter) =>
    long.Parse(File.ReadLines("/proc/self/io").First(l => l.StartsWith(counter + ":", StringComparison.Ordinal))[(counter.Length + 1)..], CultureInfo.InvariantCulture);

async Task<long> CountRows(string sql, string mailbox)
{
    await using var connection = await options.Database().OpenAsync();
    await using var command = TechmailDatabase.Command(connection, sql, ("@m", mailbox));
    return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
}

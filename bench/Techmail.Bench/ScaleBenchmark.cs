using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Techmail.Hosting;
using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// Thousands of Service mailboxes on one embedded silo, started and fed the way a user does it
/// (<c>dotnet run --project Techmail.Silo</c>, <c>techmail mailbox import</c>), polling a real Dovecot every
/// minute while a trickle of mail arrives. Timing is read twice: from the silo's own poll statistics and,
/// independently, from Dovecot's login log against the reminder table's schedule.
/// </summary>
public static partial class ScaleBenchmark
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<int> Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], Invariant) : 10_000;
        var minutes = args.Length > 1 ? double.Parse(args[1], Invariant) : 10;
        var (roundTrip, siloArgs) = RoundTrip(args.Skip(2).ToList());
        var interval = TimeSpan.FromMinutes(1);
        var mailPerMailboxEvery = TimeSpan.FromMinutes(10);
        Console.WriteLine($"{count:N0} Service mailboxes, poll interval {interval.TotalMinutes:0} min, 1 message per mailbox per {mailPerMailboxEvery.TotalMinutes:0} min, {minutes:0.#} min run, {roundTrip.TotalMilliseconds:0} ms round trip to Dovecot; {Environment.ProcessorCount} cores shared by Dovecot, the silo and this driver.");
        Console.WriteLine($"Load before the run: {LoadAverage()}.");
        if (siloArgs.Length > 0)
        {
            Console.WriteLine($"Silo arguments: {string.Join(' ', siloArgs)}");
        }

        await using var dovecot = await DovecotServer.Start(manyLogins: true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            dovecot.AddUser(User(i), Password(i));
        }

        Console.WriteLine($"Dovecot users created in {watch.Elapsed.TotalSeconds:0.0} s.");

        // A distant server: the silo reaches Dovecot through a proxy that adds the round trip; 0 leaves it direct.
        await using var proxy = roundTrip > TimeSpan.Zero ? LatencyProxy.Start(dovecot.Pop3Port, roundTrip) : null;
        var pop3Port = proxy?.Port ?? dovecot.Pop3Port;

        using var data = new TempDirectory("techmail-scale");
        var options = new TechmailOptions { DataDirectory = data.Path };
        var silo = await SiloProcess.Start(data.Path, extraArgs: siloArgs);
        await Task.Delay(TimeSpan.FromSeconds(15));
        _operatorToken = (await File.ReadAllTextAsync(silo.OperatorTokenFile)).Trim();
        var empty = ProcessSample.Read(silo.SiloProcessId);
        Console.WriteLine($"Empty silo: resident memory {empty.RssMb:0} MB.");

        // Import, with the progress bar on a terminal as an admin would see it.
        var file = data.File("mailboxes.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(Enumerable.Range(0, count).Select(i => new
        {
            name = Mailbox(i),
            settings = new
            {
                type = "Service",
                enabled = true,
                incoming = new { protocol = "Pop3", host = "127.0.0.1", port = pop3Port, tls = "None", account = User(i), password = Password(i), allowPlaintextPassword = true },
                pollInterval = interval.ToString(),
            },
        })));
        var importStarted = DateTimeOffset.UtcNow;
        var import = await ImportOnTerminal(silo.Gateway, file);
        var importSeconds = (DateTimeOffset.UtcNow - importStarted).TotalSeconds;
        Console.WriteLine($"Import: {import.Summary} (wall {importSeconds:0.0} s, exit {import.ExitCode}).");
        if (import.ExitCode != 0)
        {
            Console.WriteLine(import.Output);
            return 1;
        }

        // The trickle: every second, the next slice of mailboxes gets a message, so each gets one per period.
        var runStarted = DateTimeOffset.UtcNow;
        var runEnds = runStarted + TimeSpan.FromMinutes(minutes);
        var perSecond = count / mailPerMailboxEvery.TotalSeconds;
        var delivered = 0L;
        var owed = 0.0;
        var samples = new List<ProcessSample>();
        var next = 0;
        var lastSample = DateTimeOffset.MinValue;
        while (DateTimeOffset.UtcNow < runEnds)
        {
            owed += perSecond;
            for (; owed >= 1; owed--)
            {
                dovecot.Deliver(User(next), TestMail.Simple($"Scale message {delivered}", from: $"customer{next}@example.net"));
                next = (next + 1) % count;
                delivered++;
            }

            if (DateTimeOffset.UtcNow - lastSample >= TimeSpan.FromSeconds(10))
            {
                lastSample = DateTimeOffset.UtcNow;
                samples.Add(ProcessSample.Read(silo.SiloProcessId));
            }

            await Task.Delay(1000);
        }

        var runEnded = DateTimeOffset.UtcNow;
        var loadAtEnd = LoadAverage();
        samples.Add(ProcessSample.Read(silo.SiloProcessId));
        // Let mail delivered in the last minute be taken before counting.
        await Task.Delay(interval + TimeSpan.FromSeconds(15));

        // The client over all of them.
        // The client is a fresh process each time: its start-up alone (no cluster call) is the baseline.
        var startup = await Timed(() => Techmail(silo.Gateway, "mailbox", "list", "--help"));
        var listFirst = await Timed(() => Techmail(silo.Gateway, "mailbox", "list", "--limit", "100"));
        var listAll = await Timed(() => Techmail(silo.Gateway, "mailbox", "list", "--all", "--json"));
        var status = await Timed(() => Techmail(silo.Gateway, "status"));
        var statusJson = await Techmail(silo.Gateway, "status", "--json");

        // The silo's own figures, over whole minutes after every mailbox had its first tick.
        var steadyFrom = runStarted + interval + TimeSpan.FromSeconds(30);
        var store = new PollStatisticsStore(options.Database());
        var steady = await store.Summarize(steadyFrom, runEnded);
        var whole = await store.Summarize(importStarted, runEnded);
        var ingested = await CountInbound(options.Database());
        var left = Enumerable.Range(0, count).Sum(i => dovecot.CountMessages(User(i)));
        var schedule = await ReadSchedule(options.Database());
        var logins = ReadLogins(dovecot.LogFile);
        var external = Analyse(logins, schedule, steadyFrom, runEnded);

        var cpu = CpuShare(samples);
        var peakRss = samples.Max(s => s.RssMb);
        var endRss = samples[^1].RssMb;

        // Restart: how long until every mailbox has polled again.
        await silo.Stop();
        var restartAt = DateTimeOffset.UtcNow;
        await using var again = await SiloProcess.Start(data.Path, extraArgs: siloArgs);
        var readyAfter = (DateTimeOffset.UtcNow - restartAt).TotalSeconds;
        var firstRound = await WaitForEveryLogin(dovecot.LogFile, count, restartAt, TimeSpan.FromMinutes(4));

        Console.WriteLine();
        Console.WriteLine($"Run {runStarted:HH:mm:ss}-{runEnded:HH:mm:ss} UTC; steady-state window from {steadyFrom:HH:mm:ss} ({steady.Window.TotalMinutes:0} whole minutes).");
        Console.WriteLine();
        Console.WriteLine("| measure | value | target |");
        Console.WriteLine("|---|---|---|");
        Row("mailboxes", count.ToString("N0", Invariant), "10,000");
        Row("round trip added between the silo and Dovecot", roundTrip > TimeSpan.Zero ? $"{roundTrip.TotalMilliseconds:0} ms (proxy, {proxy!.Connections:N0} connections)" : "0 ms (direct)", "");
        Row("machine load average (1 / 5 / 15 min) at the end of the run", loadAtEnd, "");
        Row("import (techmail mailbox import, progress bar on a terminal)", $"{importSeconds:0.0} s", "< 60 s");
        Row("poll lateness p50 / p99 / max (silo's statistics, steady state)", $"{Sec(steady.LatenessP50)} / {Sec(steady.LatenessP99)} / {Sec(steady.LatenessMax)}", "p99 < 5 s");
        Row("poll lateness p50 / p99 / max (Dovecot login log vs reminder schedule)", $"{external.P50:0.00} s / {external.P99:0.00} s / {external.Max:0.00} s", "p99 < 5 s");
        var due = count / interval.TotalSeconds;
        Row("scheduled polls started against due (steady state)", $"{steady.Polls:N0} started, {due * steady.Window.TotalSeconds:N0} due ({steady.PollsPerSecond:0.0}/s of {due:0.0}/s, {steady.PollsPerSecond / due:P1})", ">= due");
        Row("skipped: previous poll running / backing off / ticks missed (silo)", $"{steady.BusySkips} / {steady.BackoffSkips} / {steady.MissedTicks}", "0");
        Row("doubled ticks (silo)", steady.DoubledTicks.ToString(Invariant), "0");
        Row("login gaps: skipped / doubled (Dovecot log, per mailbox)", $"{external.Skipped} / {external.Doubled} of {external.Gaps:N0} gaps", "0 / 0");
        Row("failed polls (whole run)", whole.FailedPolls.ToString(Invariant), "0");
        Row("messages delivered / ingested / left on the server", $"{delivered:N0} / {ingested:N0} / {left:N0}", "all ingested");
        Row("silo CPU share (of one core, run average)", $"{cpu:P0}", "");
        Row("silo resident memory: empty / end of run / peak", $"{empty.RssMb:0} / {endRss:0} / {peakRss:0} MB", "< 1 GB");
        Row("memory per mailbox ((end - empty) / mailboxes)", $"{(endRss - empty.RssMb) * 1024 * 1024 / count:N0} B", "");
        Row("techmail process start-up alone (mailbox list --help), the baseline", $"{startup.Seconds:0.00} s", "");
        Row("techmail mailbox list (first page of 100)", $"{listFirst.Seconds:0.00} s ({listFirst.Seconds / startup.Seconds:0.0}x start-up)", "");
        Row("techmail mailbox list --all --json", $"{listAll.Seconds:0.00} s ({listAll.Seconds / startup.Seconds:0.0}x start-up)", "");
        Row("techmail status", $"{status.Seconds:0.00} s ({status.Seconds / startup.Seconds:0.0}x start-up)", "");
        Row("silo restart: ready after", $"{readyAfter:0.0} s", "");
        Row("silo restart: first full poll round (every mailbox logged in)", firstRound is { } r ? $"{r.TotalSeconds:0.0} s after the restart began" : "not complete in 4 min", "");
        Console.WriteLine();
        Console.WriteLine("techmail status after the run:");
        Console.WriteLine(status.Output);
        Console.WriteLine(statusJson);
        return 0;
    }

    /// <summary>Takes <c>--rtt-ms N</c> out of the arguments; the rest go to the silo.</summary>
    private static (TimeSpan RoundTrip, string[] SiloArgs) RoundTrip(List<string> args)
    {
        var at = args.IndexOf("--rtt-ms");
        if (at < 0)
        {
            return (TimeSpan.Zero, args.ToArray());
        }

        if (at + 1 >= args.Count || !int.TryParse(args[at + 1], NumberStyles.None, Invariant, out var ms) || ms > 10_000)
        {
            throw new ArgumentException("--rtt-ms takes a whole number of milliseconds from 0 to 10000.");
        }

        args.RemoveRange(at, 2);
        return (TimeSpan.FromMilliseconds(ms), args.ToArray());
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    // The client acts as the operator, as one run beside the data directory does: with the token the silo wrote there.
    private static string? _operatorToken;

    private static string User(int i) => $"u{i:D5}";

    private static string Mailbox(int i) => $"mb-{i:D5}";

    private static string Password(int i) => $"pw-{i}";

    private static string Sec(TimeSpan t) => $"{t.TotalSeconds:0.00} s";

    private static void Row(string name, string value, string target) => Console.WriteLine($"| {name} | {value} | {target} |");

    private static async Task<(double Seconds, string Output)> Timed(Func<Task<string>> run)
    {
        var watch = Stopwatch.StartNew();
        var output = await run();
        return (watch.Elapsed.TotalSeconds, output);
    }

    private static async Task<string> Techmail(string gateway, params string[] args)
    {
        var info = ProcessRunner.DotnetRun("Techmail.Client", args);
        info.Environment["TECHMAIL_GATEWAY"] = gateway;
        info.Environment["TECHMAIL_TOKEN"] = _operatorToken;
        info.Environment["TECHMAIL_TENANT"] = "scale";
        var result = await ProcessRunner.Run(info, timeout: TimeSpan.FromMinutes(2));
        return result.ExitCode == 0 ? result.Stdout : throw new InvalidOperationException($"techmail {string.Join(' ', args)}: {result}");
    }

    private static async Task<(int ExitCode, string Summary, string Output)> ImportOnTerminal(string gateway, string file)
    {
        var command = $"dotnet run --no-build --project {RepoPaths.Root}/Techmail.Client -- mailbox import {file}";
        var info = new ProcessStartInfo("script", ["-qfec", command, "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoPaths.Root,
        };
        info.Environment["TECHMAIL_GATEWAY"] = gateway;
        info.Environment["TECHMAIL_TOKEN"] = _operatorToken;
        info.Environment["TECHMAIL_TENANT"] = "scale";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var result = await ProcessRunner.Run(info, timeout: TimeSpan.FromMinutes(10));
        var summary = ImportedLine().Match(result.Stdout);
        var sawBar = result.Stdout.Contains('━') || result.Stdout.Contains('%');
        return (result.ExitCode, (summary.Success ? summary.Value : "no summary line") + (sawBar ? "; progress bar shown" : "; no progress bar"), result.Stdout + result.Stderr);
    }

    private static async Task<long> CountInbound(TechmailDatabase database)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, "SELECT COUNT(*) FROM techmail_inbound");
        return Convert.ToInt64(await command.ExecuteScalarAsync(), Invariant);
    }

    /// <summary>Each mailbox's reminder: ticks fall at StartTime + n * Period.</summary>
    private static async Task<Dictionary<string, (DateTimeOffset Start, TimeSpan Period)>> ReadSchedule(TechmailDatabase database)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, "SELECT GrainId, StartTime, Period FROM OrleansRemindersTable WHERE ReminderName = 'poll'");
        await using var reader = await command.ExecuteReaderAsync();
        var schedule = new Dictionary<string, (DateTimeOffset, TimeSpan)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            if (MailboxNumber().Match(reader.GetString(0)) is { Success: true } m)
            {
                schedule["u" + m.Groups[1].Value] = (reader.Utc(1), TimeSpan.FromMilliseconds(Convert.ToInt64(reader.GetValue(2), Invariant)));
            }
        }

        return schedule;
    }

    private static List<(DateTimeOffset Time, string User)> ReadLogins(string logFile)
    {
        var logins = new List<(DateTimeOffset, string)>();
        foreach (var line in File.ReadLines(logFile))
        {
            if (LoginLine().Match(line) is { Success: true } m
                && DateTimeOffset.TryParseExact(m.Groups[1].Value, "yyyy-MM-dd HH:mm:ss.ffffff", Invariant, DateTimeStyles.AssumeLocal, out var time))
            {
                logins.Add((time.ToUniversalTime(), m.Groups[2].Value));
            }
        }

        return logins;
    }

    private static (double P50, double P99, double Max, int Gaps, int Skipped, int Doubled) Analyse(
        List<(DateTimeOffset Time, string User)> logins,
        Dictionary<string, (DateTimeOffset Start, TimeSpan Period)> schedule,
        DateTimeOffset from,
        DateTimeOffset to)
    {
        var lateness = new List<double>();
        int gaps = 0, skipped = 0, doubled = 0;
        foreach (var user in logins.Where(l => l.Time >= from && l.Time < to).GroupBy(l => l.User))
        {
            if (!schedule.TryGetValue(user.Key, out var s))
            {
                continue;
            }

            DateTimeOffset? previousTick = null;
            foreach (var login in user.OrderBy(l => l.Time))
            {
                var tick = PollTickTracker.Scheduled(s.Start, s.Period, login.Time);
                lateness.Add((login.Time - tick).TotalSeconds);
                if (previousTick is { } p)
                {
                    gaps++;
                    var steps = (int)Math.Round((tick - p) / s.Period);
                    if (steps == 0)
                    {
                        doubled++;
                    }
                    else if (steps > 1)
                    {
                        skipped += steps - 1;
                    }
                }

                previousTick = tick;
            }
        }

        lateness.Sort();
        double At(double q) => lateness.Count == 0 ? double.NaN : lateness[Math.Min(lateness.Count - 1, (int)Math.Ceiling(q * lateness.Count) - 1)];
        return (At(0.5), At(0.99), lateness.Count == 0 ? double.NaN : lateness[^1], gaps, skipped, doubled);
    }

    private static async Task<TimeSpan?> WaitForEveryLogin(string logFile, int count, DateTimeOffset since, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var after = ReadLogins(logFile).Where(l => l.Time >= since).ToList();
            var firsts = after.GroupBy(l => l.User).Select(g => g.Min(l => l.Time)).ToList();
            if (firsts.Count >= count)
            {
                return firsts.Max() - since;
            }
        }

        return null;
    }

    /// <summary>CPU seconds used between the first and last sample over the wall time between them.</summary>
    private static double CpuShare(List<ProcessSample> samples)
    {
        var first = samples[0];
        var last = samples[^1];
        var wall = (last.At - first.At).TotalSeconds;
        return wall <= 0 ? 0 : (last.CpuSeconds - first.CpuSeconds) / wall;
    }

    [GeneratedRegex(@"Imported \d+ of \d+ mailboxes in [\d.]+s\.")]
    private static partial Regex ImportedLine();

    [GeneratedRegex(@"mb-(\d{5})")]
    private static partial Regex MailboxNumber();

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}) (?:pop3|imap)-login: Info: Login: user=<([^>]+)>")]
    private static partial Regex LoginLine();

    private sealed record ProcessSample(DateTimeOffset At, double CpuSeconds, double RssMb)
    {
        public static ProcessSample Read(int? pid)
        {
            if (pid is not { } id || !File.Exists($"/proc/{id}/stat"))
            {
                throw new InvalidOperationException("the silo process is not running.");
            }

            // Fields after the command name's closing parenthesis: state is 3rd, utime 14th, stime 15th.
            var stat = File.ReadAllText($"/proc/{id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], Invariant) + long.Parse(fields[12], Invariant);
            var rssKb = File.ReadLines($"/proc/{id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return new ProcessSample(DateTimeOffset.UtcNow, ticks / 100.0, long.Parse(rssKb, Invariant) / 1024.0);
        }
    }
}

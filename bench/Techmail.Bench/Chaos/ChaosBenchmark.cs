using System.Globalization;
using Techmail.Tests.Support;

namespace Techmail.Bench.Chaos;

/// <summary>
/// bench/run-chaos: a mixed load with hostile mail while silos are killed, Dovecot restarts and the relay refuses, on
/// the embedded profile (one silo, SQLite) and then the cluster profile (three silos, PostgreSQL). Ends with one line
/// per profile: delivered, accounted, lost, doubled, acknowledgements doubled, quarantined.
/// </summary>
public static class ChaosBenchmark
{
    private const int ClusterSilos = 3;

    public static async Task<int> Run(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var kills = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        var drain = TimeSpan.FromMinutes(double.Parse(Environment.GetEnvironmentVariable("CHAOS_DRAIN_MINUTES") ?? "15", CultureInfo.InvariantCulture));
        Console.WriteLine($"Chaos: {messages} messages, {kills} SIGKILLs per profile, seed {seed}; {Environment.ProcessorCount} cores shared by Dovecot, PostgreSQL, the SMTP server and the silos.");

        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        await using var relay = FaultyProxy.Start(smtp.Port);
        var postgres = await PostgresServer.Instance;
        var results = new List<(string Label, AuditReport Report)>();

        // CHAOS_PROFILES=e (or c) runs one profile only, while working on one.
        var only = Environment.GetEnvironmentVariable("CHAOS_PROFILES") ?? "ec";
        foreach (var (profile, label) in new[] { ("e", "embedded, 1 silo on SQLite"), ("c", $"cluster, {ClusterSilos} silos on PostgreSQL") }.Where(p => only.Contains(p.Item1, StringComparison.Ordinal)))
        {
            Console.WriteLine();
            Console.WriteLine($"== {label} ==");
            await using var silos = profile == "e" ? await ChaosSilos.Embedded() : await ChaosSilos.Cluster(await postgres.CreateDatabase(), ClusterSilos);
            var report = await new ChaosRun(profile, silos, dovecot, smtp, relay, messages, kills, seed).Execute(drain);
            Describe(label, report);
            results.Add((label, report));
        }

        Console.WriteLine();
        Console.WriteLine($"profiles in order: {string.Join("; ", results.Select(r => r.Label))}");
        foreach (var (_, report) in results)
        {
            Console.WriteLine(report.Line);
        }

        return results.All(r => r.Report.Lost.Count == 0 && r.Report.Doubled.Count == 0 && r.Report.AcknowledgementsDoubled.Count == 0) ? 0 : 1;
    }

    /// <summary>What each message became, by outcome and by kind, and every problem: on screen the first ones, in a file all.</summary>
    private static void Describe(string label, AuditReport report)
    {
        var outcomes = new[] { "incident", "bounce", "discarded", "rejected", "duplicate", "quarantined" }.Select(o => $"{o} {report.Count(o)}");
        Console.WriteLine($"outcomes: {string.Join(", ", outcomes)}; hostile delivered {report.Mail.Count(m => m.Delivered.Mail.Hostile)}, acknowledgements received {report.Mail.Sum(m => m.Acknowledgements)}, forwards received {report.Mail.Sum(m => m.Forwards)}");
        Console.WriteLine("hostile mail by kind: " + string.Join(", ", report.Mail
            .Where(m => m.Delivered.Mail.Hostile)
            .GroupBy(m => m.Delivered.Mail.Kind)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {string.Join("/", g.GroupBy(m => m.Outcomes.Count == 1 ? m.Outcomes[0].What : m.Outcomes.Count == 0 ? "lost" : "doubled").Select(o => $"{o.Count()} {o.Key}"))}")));
        var problems = report.Problems().ToList();
        if (problems.Count == 0)
        {
            return;
        }

        Console.WriteLine("lost and doubled by kind: " + report.ByKind());
        var file = Path.Combine(Path.GetTempPath(), $"techmail-chaos-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{label.Split(',')[0]}.txt");
        File.WriteAllLines(file, problems);
        Console.WriteLine($"{problems.Count} problems (all of them in {file}); the first:");
        foreach (var line in problems.Take(40))
        {
            Console.WriteLine("  " + line);
        }
    }
}

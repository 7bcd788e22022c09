using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Techmail.Hosting;
using Techmail.Incidents;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// How fast a page of incidents comes back when a tenant has many: loads N incidents (default 100,000) into the
/// embedded SQLite store, or PostgreSQL with --postgres, then times pages through the list grain and through the real
/// CLI, against the CLI's own start-up measured in the same run.
/// </summary>
public static class IncidentListBenchmark
{
    private const string Tenant = "bench";

    public static async Task<int> Run(string[] args)
    {
        var count = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 100_000;
        using var data = new TempDirectory("techmail-incident-list");
        var options = new TechmailOptions { DataDirectory = data.Path, SiloPort = FreePort.Next(), GatewayPort = FreePort.Next() };
        if (args.Contains("--postgres"))
        {
            options = options with { Storage = StorageKind.PostgreSql, ConnectionString = await (await PostgresServer.Instance).CreateDatabase(), KeyRingKeyFile = TestKeyRing.File };
        }

        await SchemaInstaller.Apply(options.Database());
        var load = Stopwatch.StartNew();
        await Load(new IncidentStore(options.Database()), count);
        Console.WriteLine($"{options.Storage}: loaded {count:N0} incidents (two entries each) in {load.Elapsed.TotalSeconds:F1} s.");

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.AddTechmail(options));
        using var host = builder.Build();
        await host.StartAsync();
        var list = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IIncidentListGrain>(0);

        var middle = Reference(count / 2);
        (string Name, IncidentQuery Query)[] queries =
        [
            ("newest 50", new IncidentQuery(Tenant)),
            ("50 older than the middle one (page deep in the list)", new IncidentQuery(Tenant, Before: middle)),
            ("status solved (1 in 10), newest 50", new IncidentQuery(Tenant, Status: IncidentStatus.Solved)),
            ("mailbox m7 (1 in 20), newest 50", new IncidentQuery(Tenant, Mailbox: "m7")),
            ("queue billing (1 in 4), newest 50", new IncidentQuery(Tenant, Queue: "billing")),
            ("one contact's incidents", new IncidentQuery(Tenant, Contact: "customer4242@example.net")),
            ("text 'printer' in subject or contact (1 in 100)", new IncidentQuery(Tenant, Text: "printer")),
            ("text matching nothing (scans every row)", new IncidentQuery(Tenant, Text: "no-such-words")),
        ];

        Console.WriteLine();
        Console.WriteLine("| query (list grain, in process) | rows | median ms | of 7 runs (ms) |");
        Console.WriteLine("| --- | ---: | ---: | --- |");
        foreach (var (name, query) in queries)
        {
            var rows = 0;
            var times = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                var watch = Stopwatch.StartNew();
                rows = (await list.List(query)).Incidents.Count;
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            Console.WriteLine($"| {name} | {rows} | {times[3]:F1} | {string.Join(" ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} |");
        }

        // The client as a user runs it: a process per command, so its start-up is part of what they wait for.
        var gateway = $"127.0.0.1:{options.GatewayPort}";
        var startup = await Cli(gateway, "--help");
        var firstPage = await Cli(gateway, "incident", "list");
        var deepPage = await Cli(gateway, "incident", "list", "--before", middle, "--status", "new");
        Console.WriteLine();
        Console.WriteLine($"CLI (median of 3): `techmail --help` {startup:F2} s (start-up alone), `incident list` {firstPage:F2} s, `incident list --before {middle} --status new` {deepPage:F2} s.");
        Console.WriteLine($"Time beyond start-up: {firstPage - startup:F2} s and {deepPage - startup:F2} s.");
        await host.StopAsync();
        return 0;
    }

    private static string Reference(int i) => $"261127-{i + 1:000000}";

    /// <summary>A spread of mailboxes, statuses, queues and contacts, so each filter has something to find and to skip.</summary>
    private static async Task Load(IncidentStore store, int count)
    {
        var t0 = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        const int batch = 1000;
        for (var start = 0; start < count; start += batch)
        {
            var incidents = new List<(IncidentSummary, IReadOnlyList<NewEntry>)>(batch);
            for (var i = start; i < Math.Min(count, start + batch); i++)
            {
                var created = t0.AddSeconds(i * 0.5);
                var contact = $"customer{i % 20_000}@example.net";
                var status = i % 10 == 0 ? IncidentStatus.Solved : i % 3 == 0 ? IncidentStatus.Waiting : IncidentStatus.New;
                var summary = new IncidentSummary(Reference(i), i % 100 == 0 ? $"Printer {i} jams" : $"Question {i} about my order", contact, $"m{i % 20}", status,
                    i % 4 == 0 ? "billing" : "general", null, null, null, [], [], created, created);
                NewEntry[] thread =
                [
                    new(EntryAuthor.Customer, contact, $"Hello, this is question {i}.", created, $"<q{i}@example.net>", $"key-{i}", []),
                    new(EntryAuthor.System, null, $"Acknowledgement queued to {contact}.", created, $"<tm.{i}@example.com>", $"ack:key-{i}", []),
                ];
                incidents.Add((summary, thread));
            }

            await store.CreateMany(Tenant, incidents);
        }
    }

    private static async Task<double> Cli(string gateway, params string[] args)
    {
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var info = ProcessRunner.DotnetRun("Techmail.Client", args);
            info.Environment["TECHMAIL_GATEWAY"] = gateway;
            info.Environment["TECHMAIL_TENANT"] = Tenant;
            var watch = Stopwatch.StartNew();
            var result = await ProcessRunner.Run(info, timeout: TimeSpan.FromMinutes(2));
            times.Add(watch.Elapsed.TotalSeconds);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"techmail {string.Join(' ', args)}: {result}");
            }
        }

        times.Sort();
        return times[1];
    }
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// Ingest throughput with 1, 2 and 3 silo processes on PostgreSQL, next to one embedded (SQLite) silo,
/// all on the same Dovecot with the same messages, in one run.
/// </summary>
public static class ClusterBenchmark
{
    public static async Task<int> Run(string[] args)
    {
        var mailboxes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var perMailbox = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var message = TestMail.Simple("Question", body: string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet consectetur adipiscing elit\n", 48)));
        Console.WriteLine($"{mailboxes} mailboxes x {perMailbox} messages of {message.Length:N0} B; {Environment.ProcessorCount} cores shared by Dovecot, PostgreSQL and every silo.");

        await using var dovecot = await DovecotServer.Start();
        var postgres = await PostgresServer.Instance;
        var rows = new List<(string Setup, double Seconds)>();
        var round = 0;
        foreach (var (label, silos, storage) in new[] { ("embedded, 1 silo (SQLite)", 1, "Sqlite"), ("cluster, 1 silo (PostgreSQL)", 1, "PostgreSql"), ("cluster, 2 silos (PostgreSQL)", 2, "PostgreSql"), ("cluster, 3 silos (PostgreSQL)", 3, "PostgreSql") })
        {
            round++;
            var connection = storage == "PostgreSql" ? await postgres.CreateDatabase() : null;
            var dirs = Enumerable.Range(0, silos).Select(_ => new TempDirectory("techmail-bench-silo")).ToList();
            var started = new List<SiloProcess>();
            try
            {
                foreach (var dir in dirs)
                {
                    started.Add(await SiloProcess.Start(dir.Path, extraArgs: connection is null ? [] : ["--storage", "PostgreSql", "--connection", connection, .. TestKeyRing.SiloArgs]));
                }

                using var client = await Connect(connection, started[0].GatewayPort, dirs[0].Path);
                var grains = client.Services.GetRequiredService<IGrainFactory>();
                var users = Enumerable.Range(0, mailboxes).Select(m => $"r{round}box{m}").ToList();
                foreach (var user in users)
                {
                    dovecot.AddUser(user, "pw");
                    for (var i = 0; i < perMailbox; i++)
                    {
                        dovecot.Deliver(user, message);
                    }
                }

                var boxes = users.Select(u => grains.GetGrain<IMailboxGrain>(MailboxKey.For("bench", u))).ToList();
                await Task.WhenAll(users.Select((u, i) => boxes[i].Create(MailboxSettings.Empty(MailboxType.Service) with
                {
                    Enabled = true,
                    PollInterval = TimeSpan.FromHours(1),
                    Incoming = new IncomingSettings(MailProtocol.Pop3, "127.0.0.1", dovecot.Pop3Port, TlsMode.None, u, "pw", [], AllowPlaintextPassword: true),
                })));

                var watch = Stopwatch.StartNew();
                await Task.WhenAll(boxes.Select(b => b.PollNow()));
                while (users.Sum(dovecot.CountMessages) > 0)
                {
                    await Task.Delay(50);
                }

                watch.Stop();
                var accepted = (await Task.WhenAll(boxes.Select(b => b.GetStatus()))).Sum(s => s.Counts.Accepted);
                if (accepted != mailboxes * perMailbox)
                {
                    throw new InvalidOperationException($"{label}: {accepted} accepted of {mailboxes * perMailbox}.");
                }

                rows.Add((label, watch.Elapsed.TotalSeconds));
                Console.WriteLine($"{label,-32} {watch.Elapsed.TotalSeconds,7:F2} s {mailboxes * perMailbox / watch.Elapsed.TotalSeconds,9:N0} msg/s");
                await client.StopAsync();
            }
            finally
            {
                foreach (var silo in started)
                {
                    await silo.DisposeAsync();
                }

                dirs.ForEach(d => d.Dispose());
            }
        }

        var baseline = rows[0].Seconds;
        Console.WriteLine();
        Console.WriteLine($"{"setup",-32} {"seconds",8} {"msg/s",9} {"vs embedded",12}");
        foreach (var (setup, seconds) in rows)
        {
            Console.WriteLine($"{setup,-32} {seconds,8:F2} {mailboxes * perMailbox / seconds,9:N0} {baseline / seconds,12:F2}");
        }

        return 0;
    }

    private static async Task<IHost> Connect(string? connection, int gatewayPort, string operatorDataDirectory)
    {
        var host = new HostBuilder().UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("techmail", "techmail"));
            OperatorIdentity.Carry(client, operatorDataDirectory);
            if (connection is null)
            {
                client.UseStaticClustering(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, gatewayPort));
            }
            else
            {
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", connection));
            }
        }).Build();
        await host.StartAsync();
        return host;
    }
}

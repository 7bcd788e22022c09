using System.Text.Json;
using Npgsql;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>
/// Three silos as separate processes sharing PostgreSQL and 300 mailboxes on one Dovecot with mail
/// arriving; one silo is killed with SIGKILL mid-flow, then the whole cluster is restarted.
/// </summary>
public sealed class ClusterFailoverTests
{
    private const int Mailboxes = 300;
    private const int PerRound = 4;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_killed_silo_loses_and_doubles_nothing_every_mailbox_keeps_being_polled_and_a_full_restart_keeps_everything()
    {
        var connection = await (await PostgresServer.Instance).CreateDatabase();
        await using var dovecot = await DovecotServer.Start();
        using var dataA = new TempDirectory("techmail-silo-a");
        using var dataB = new TempDirectory("techmail-silo-b");
        using var dataC = new TempDirectory("techmail-silo-c");
        using var files = new TempDirectory();
        string[] cluster = ["--storage", "PostgreSql", "--connection", connection, .. TestKeyRing.SiloArgs];
        var siloA = await SiloProcess.Start(dataA.Path, extraArgs: cluster);
        var siloB = await SiloProcess.Start(dataB.Path, extraArgs: cluster);
        var siloC = await SiloProcess.Start(dataC.Path, extraArgs: cluster);
        try
        {
            // The client finds the gateways in the membership table, as an operator's would.
            var cli = new Cli($"127.0.0.1:{FreePort.Next()}", "failover", connection);
            var import = files.File("mailboxes.json");
            await File.WriteAllTextAsync(import, JsonSerializer.Serialize(Enumerable.Range(0, Mailboxes).Select(m => new
            {
                name = $"box{m}",
                settings = new
                {
                    type = "Service",
                    enabled = true,
                    pollInterval = "00:01:00",
                    incoming = new { protocol = "Pop3", host = "127.0.0.1", port = dovecot.Pop3Port, tls = "None", account = $"box{m}", password = "pw", allowPlaintextPassword = true },
                },
            })));
            for (var m = 0; m < Mailboxes; m++)
            {
                dovecot.AddUser($"box{m}", "pw");
            }

            await cli.Ok("mailbox", "import", import, "--json");

            // Round 1: the reminders alone (spread over the first interval) must empty every mailbox.
            Deliver(dovecot, round: 1);
            await WaitUntilEmpty(dovecot, 2 * Interval + TimeSpan.FromSeconds(30));

            // Round 2: mail arrives and a silo dies without warning.
            var delivered = DateTime.UtcNow;
            Deliver(dovecot, round: 2);
            siloA.Kill();
            var took = await WaitUntilEmpty(dovecot, 3 * Interval);
            Assert.True(DateTime.UtcNow - delivered <= 2 * Interval + TimeSpan.FromSeconds(45), $"round 2 took {took}");

            Assert.Equal(Mailboxes * PerRound * 2, await Count(connection, "SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'failover'"));
            Assert.Equal(Mailboxes * PerRound * 2, await Count(connection, "SELECT COUNT(*) FROM techmail_message_trace WHERE tenant = 'failover' AND verdict = 'Accepted'"));

            // The whole cluster goes down and comes back: every mailbox and schedule is still there.
            await siloB.Stop();
            await siloC.Stop();
            await siloB.DisposeAsync();
            await siloC.DisposeAsync();
            siloB = await SiloProcess.Start(dataB.Path, extraArgs: cluster);
            siloC = await SiloProcess.Start(dataC.Path, extraArgs: cluster);
            var listed = JsonDocument.Parse(await cli.Ok("mailbox", "list", "--json")).RootElement;
            Assert.Equal(Mailboxes, listed.GetProperty("total").GetInt32());
            Assert.Equal("pw", JsonDocument.Parse(await cli.Ok("mailbox", "export", "--include-secrets")).RootElement[0]
                .GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString());

            Deliver(dovecot, round: 3);
            await WaitUntilEmpty(dovecot, 2 * Interval + TimeSpan.FromSeconds(45));
            Assert.Equal(Mailboxes * PerRound * 3, await Count(connection, "SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'failover'"));
        }
        finally
        {
            await siloA.DisposeAsync();
            await siloB.DisposeAsync();
            await siloC.DisposeAsync();
        }
    }

    private static void Deliver(DovecotServer dovecot, int round)
    {
        for (var m = 0; m < Mailboxes; m++)
        {
            for (var i = 0; i < PerRound; i++)
            {
                dovecot.Deliver($"box{m}", TestMail.Simple($"round {round} message {i}"));
            }
        }
    }

    private static async Task<TimeSpan> WaitUntilEmpty(DovecotServer dovecot, TimeSpan timeout)
    {
        var started = DateTime.UtcNow;
        int Left() => Enumerable.Range(0, Mailboxes).Sum(m => dovecot.CountMessages($"box{m}"));
        while (Left() > 0 && DateTime.UtcNow - started < timeout)
        {
            await Task.Delay(1000);
        }

        Assert.Equal(0, Left());
        return DateTime.UtcNow - started;
    }

    private static async Task<long> Count(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

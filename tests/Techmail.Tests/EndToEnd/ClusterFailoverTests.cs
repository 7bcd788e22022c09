using System.Text.Json;
using Npgsql;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>Silos as separate processes sharing PostgreSQL; one is killed mid-flow.</summary>
public sealed class ClusterFailoverTests
{
    private const int Mailboxes = 12;
    private const int PerRound = 25;

    [Fact]
    public async Task A_killed_silo_loses_and_doubles_nothing_and_its_mailboxes_keep_being_polled()
    {
        var connection = await (await PostgresServer.Instance).CreateDatabase();
        await using var dovecot = await DovecotServer.Start();
        using var dataA = new TempDirectory("techmail-silo-a");
        using var dataB = new TempDirectory("techmail-silo-b");
        string[] cluster = ["--storage", "PostgreSql", "--connection", connection];
        await using var siloA = await SiloProcess.Start(dataA.Path, extraArgs: cluster);
        await using var siloB = await SiloProcess.Start(dataB.Path, extraArgs: cluster);
        // The client finds the gateways in the membership table, as an operator's would.
        var cli = new Cli($"127.0.0.1:{FreePort.Next()}", "failover", connection);

        for (var m = 0; m < Mailboxes; m++)
        {
            dovecot.AddUser($"box{m}", "pw");
            await cli.Ok("mailbox", "add", $"box{m}", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
                "--tls", "none", "--account", $"box{m}", "--password", "pw", "--poll-interval", "1m", "--enable");
        }

        Deliver(dovecot, round: 0);
        await PollAll(cli);
        await WaitUntilEmpty(dovecot, TimeSpan.FromMinutes(2));

        Deliver(dovecot, round: 1);
        siloA.Kill();

        // No manual poll: the reminders (re-owned by the surviving silo) must bring the next polls.
        await WaitUntilEmpty(dovecot, TimeSpan.FromMinutes(4));

        Assert.Equal(Mailboxes * PerRound * 2, await Count(connection, "SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'failover'"));
        Assert.Equal(Mailboxes * PerRound * 2, await Count(connection, "SELECT COUNT(*) FROM techmail_message_trace WHERE tenant = 'failover' AND verdict = 'Accepted'"));
        var status = JsonDocument.Parse(await cli.Ok("mailbox", "status", "--json")).RootElement;
        Assert.Equal(Mailboxes, status.GetArrayLength());
        Assert.All(status.EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("status").GetProperty("lastError").ValueKind));
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

    private static async Task PollAll(Cli cli)
    {
        for (var m = 0; m < Mailboxes; m++)
        {
            await cli.Ok("mailbox", "poll", $"box{m}");
        }
    }

    private static async Task WaitUntilEmpty(DovecotServer dovecot, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int Left() => Enumerable.Range(0, Mailboxes).Sum(m => dovecot.CountMessages($"box{m}"));
        while (Left() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
        }

        Assert.Equal(0, Left());
    }

    private static async Task<long> Count(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

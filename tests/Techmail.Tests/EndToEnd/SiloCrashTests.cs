using System.Text.Json;
using Microsoft.Data.Sqlite;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>
/// The silo is killed (SIGKILL) after handing off messages and before POP3 QUIT, while incidents are being built:
/// nothing may be handed off twice, and every message becomes exactly one incident.
/// </summary>
public sealed class SiloCrashTests
{
    private const int Messages = 3000;

    [Fact]
    public async Task Killing_the_silo_between_hand_off_and_quit_hands_nothing_off_twice_and_the_reminder_resumes_polling()
    {
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("crash", "crash-password");
        for (var i = 0; i < Messages; i++)
        {
            // A sender each: one sender's 3,000 messages would be held as a flood after the 23rd.
            dovecot.Deliver("crash", TestMail.Simple($"crash {i}", from: $"customer{i}@example.net", padTo: 1500));
        }

        using var data = new TempDirectory("techmail-crash");
        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        string[] smallBatches = ["--Techmail:PollBatchSize=10"];
        long recordedAtKill;
        await using (var silo = await SiloProcess.Start(data.Path, siloPort, gatewayPort, smallBatches))
        {
            var cli = new Cli(silo.Gateway);
            await cli.Ok("mailbox", "add", "support", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
                "--tls", "none", "--allow-plaintext-password", "--account", "crash", "--password", "crash-password", "--poll-interval", "1m", "--enable");
            await cli.Ok("mailbox", "poll", "support");

            recordedAtKill = await WaitForInbound(data.Path, atLeast: 1);
            silo.Kill();
        }

        // The crash came before QUIT, so the server still holds every message, handed off or not.
        Assert.Equal(Messages, dovecot.CountMessages("crash"));
        Assert.InRange(recordedAtKill, 1, Messages - 1);

        await using (var silo = await SiloProcess.Start(data.Path, siloPort, gatewayPort, smallBatches))
        {
            // No manual poll: the mailbox's reminder, kept across the crash, must bring the next poll.
            var deadline = DateTime.UtcNow.AddSeconds(150);
            while (dovecot.CountMessages("crash") > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }

            Assert.Equal(0, dovecot.CountMessages("crash"));
            var cli = new Cli(silo.Gateway);
            var status = JsonDocument.Parse(await cli.Ok("mailbox", "status", "support", "--json")).RootElement.GetProperty("status");
            var counts = status.GetProperty("counts");
            Assert.True(counts.GetProperty("duplicates").GetInt64() >= recordedAtKill, status.ToString());
            Assert.Null(status.GetProperty("lastError").GetString());

            var trace = JsonDocument.Parse(await cli.Ok("mailbox", "trace", "support", "--limit", "5", "--json")).RootElement;
            Assert.Equal(5, trace.GetArrayLength());
            Assert.Equal("Accepted", trace[0].GetProperty("verdict").GetString());

            // The builder that died with the first silo resumes on this one (woken by the next recorded mail or the sweep).
            deadline = DateTime.UtcNow.AddSeconds(120);
            while (await Count(data.Path, "SELECT COUNT(*) FROM techmail_inbound WHERE state <> 'done'") > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }

            var page = JsonDocument.Parse(await cli.Ok("incident", "list", "--mailbox", "support", "--limit", "5", "--json")).RootElement;
            Assert.Equal(5, page.GetProperty("incidents").GetArrayLength());
        }

        Assert.Equal(0, await Count(data.Path, "SELECT COUNT(*) FROM techmail_inbound WHERE state <> 'done'"));
        Assert.Equal(Messages, await Count(data.Path, "SELECT COUNT(*) FROM techmail_incidents WHERE mailbox = 'support'"));
        Assert.Equal(Messages, await Count(data.Path, "SELECT COUNT(DISTINCT contact) FROM techmail_incidents"));
        Assert.Equal(Messages, await Count(data.Path, "SELECT COUNT(*) FROM techmail_incident_entries WHERE author = 'Customer'"));
        Assert.Equal(Messages, await Count(data.Path, "SELECT COUNT(*) FROM techmail_contacts"));

        Assert.Equal(Messages, await Count(data.Path, "SELECT COUNT(*) FROM techmail_inbound WHERE mailbox = 'support'"));
        Assert.Equal(Messages, await Count(data.Path, "SELECT COUNT(*) FROM techmail_message_trace WHERE mailbox = 'support' AND verdict = 'Accepted'"));
    }

    private static async Task<long> WaitForInbound(string dataDirectory, long atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var count = await Count(dataDirectory, "SELECT COUNT(*) FROM techmail_inbound");
                if (count >= atLeast)
                {
                    return count;
                }
            }
            catch (SqliteException)
            {
                // The silo may hold a write lock for a moment; look again.
            }

            await Task.Delay(5);
        }

        throw new TimeoutException("no message was handed off within 60 s");
    }

    private static Task<long> Count(string dataDirectory, string sql) => SiloDatabase.Count(dataDirectory, sql);
}

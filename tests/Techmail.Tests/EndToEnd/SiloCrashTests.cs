using System.Text.Json;
using Microsoft.Data.Sqlite;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>The silo is killed (SIGKILL) after handing off messages and before POP3 QUIT: nothing may be handed off twice.</summary>
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
            dovecot.Deliver("crash", TestMail.Simple($"crash {i}", padTo: 1500));
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
                "--tls", "none", "--account", "crash", "--password", "crash-password", "--poll-interval", "1m", "--enable");
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
        }

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

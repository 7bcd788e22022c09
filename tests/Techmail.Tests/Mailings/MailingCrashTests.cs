using System.Text;
using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.Mailings;

/// <summary>A silo killed (SIGKILL) in the middle of a mailing: after its restart the mailing finishes and nobody got two.</summary>
public sealed class MailingCrashTests
{
    private const int Recipients = 1500;

    [Fact]
    public async Task A_silo_killed_mid_mailing_resumes_it_and_doubles_nobody()
    {
        await using var smtp = await SmtpSink.Start();
        using var data = new TempDirectory("techmail-mailing-crash");
        using var files = new TempDirectory("techmail-mailing-crash-files");
        var message = files.File("note.eml");
        await File.WriteAllTextAsync(message, "Subject: A note for {email}\r\nContent-Type: text/plain\r\n\r\nHello {email}.\r\n");
        var list = files.File("list.txt");
        await File.WriteAllTextAsync(list, string.Join('\n', Enumerable.Range(0, Recipients).Select(i => $"p{i:0000}@example.net")));
        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        string id;
        await using (var silo = await SiloProcess.Start(data.Path, siloPort, gatewayPort))
        {
            var cli = new Cli(silo.Gateway);
            await cli.Ok("mailbox", "add", "news", "--type", "marketing", "--no-incoming", "--envelope-from", "bounces@example.com",
                "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
            // Paced, so the kill lands while most of the list is still to go.
            id = (await cli.Ok("mailing", "send", "--mailbox", "news", "--recipients", list, "--message", message, "--rate", "3000")).Trim();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (smtp.Count < 200 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            silo.Kill();
        }

        var atKill = smtp.Count;
        Assert.InRange(atKill, 200, Recipients - 1);

        await using (var silo = await SiloProcess.Start(data.Path, siloPort, gatewayPort))
        {
            // No command: the mailing's reminder brings it back and it goes on where its rows say.
            var cli = new Cli(silo.Gateway);
            var deadline = DateTime.UtcNow.AddSeconds(150);
            JsonElement report;
            while (true)
            {
                report = JsonDocument.Parse(await cli.Ok("mailing", "show", id, "--json")).RootElement.GetProperty("report");
                if (report.GetProperty("mailing").GetProperty("state").GetString() == "Finished" || DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(500);
            }

            Assert.Equal("Finished", report.GetProperty("mailing").GetProperty("state").GetString());
            Assert.Equal(Recipients, report.GetProperty("sent").GetInt64());
            // Taken by the relay minutes ago: awaiting bounces, delivered only once the 7-day retry window closes.
            Assert.Equal(Recipients, report.GetProperty("awaitingBounces").GetInt64());
            Assert.Equal(0, report.GetProperty("delivered").GetInt64());
        }

        var byRecipient = smtp.Messages.GroupBy(m => m.Recipients.Single()).ToList();
        Assert.Equal(Recipients, byRecipient.Count);
        var doubled = byRecipient.Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"sent twice after the kill (at {atKill} received): {string.Join(", ", doubled)}");
    }
}

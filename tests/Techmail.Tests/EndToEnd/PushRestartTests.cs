using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>Push mode through the command line and a silo process, across a restart.</summary>
public sealed class PushRestartTests
{
    [Fact]
    public async Task A_push_mailbox_listens_again_right_after_a_silo_restart_and_takes_new_mail_within_seconds()
    {
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("pushy", "pw");
        using var data = new TempDirectory("techmail-push");
        var ports = (Silo: FreePort.Next(), Gateway: FreePort.Next());
        await using (var silo = await SiloProcess.Start(data.Path, ports.Silo, ports.Gateway))
        {
            var cli = new Cli(silo.Gateway);
            // An hour between scheduled polls: what arrives within seconds came through push.
            await cli.Ok("mailbox", "add", "box", "--type", "service", "--protocol", "imap", "--host", "127.0.0.1",
                "--port", dovecot.ImapPort.ToString(), "--tls", "none", "--allow-plaintext-password", "--account", "pushy", "--password", "pw",
                "--push", "true", "--poll-interval", "1h", "--enable");
            await Listening(cli);
            var shown = await cli.Ok("mailbox", "show", "box");
            Assert.Contains("Push (IMAP IDLE)", shown);
        }

        await using (var silo = await SiloProcess.Start(data.Path, ports.Silo, ports.Gateway))
        {
            var cli = new Cli(silo.Gateway);
            // Nobody asked for this mailbox since the start: the silo woke it.
            await Listening(cli);
            dovecot.Deliver("pushy", TestMail.Simple("after the restart"));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (dovecot.CountMessages("pushy") > 0 || await SiloDatabase.Count(data.Path, "SELECT COUNT(*) FROM techmail_inbound") == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the message was not taken within 20 s of arriving");
                await Task.Delay(200);
            }

            await cli.Ok("mailbox", "update", "box", "--push", "false");
            Assert.Equal(0L, await SiloDatabase.Count(data.Path, "SELECT COUNT(*) FROM techmail_push_mailboxes"));
        }
    }

    private static async Task Listening(Cli cli)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = JsonDocument.Parse(await cli.Ok("mailbox", "status", "box", "--json")).RootElement.GetProperty("status");
            var push = status.TryGetProperty("push", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (push?.StartsWith("listening", StringComparison.Ordinal) == true)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"push is not listening within 30 s: '{push}'");
            await Task.Delay(500);
        }
    }
}

using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

public sealed class BounceCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Bounces_and_contacts_through_the_real_client()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("mkt", "mkt-password");
        var cli = fixture.Cli("bouncecli");
        await cli.Ok("mailbox", "add", "returns", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "mkt", "--password", "mkt-password",
            "--envelope-from", "bounces@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");

        // Only a report about mail the tenant sent changes an address: one about mail sent through the real relay,
        // and a forged one naming an address nobody mailed.
        var sent = JsonDocument.Parse(await cli.Ok("mailbox", "send", "returns", "--to", "left@example.net", "--subject", "News", "--wait", "--json")).RootElement;
        dovecot.Deliver("mkt", TestBounces.HardUserUnknown("left@example.net", $"<{sent.GetProperty("messageId").GetString()}>"));
        dovecot.Deliver("mkt", TestBounces.HardUserUnknown("victim@example.net"));
        await cli.Ok("mailbox", "poll", "returns", "--wait");

        var bounces = JsonDocument.Parse(await cli.Ok("bounce", "list", "--hard", "--json")).RootElement;
        Assert.Equal(2, bounces.GetArrayLength());
        var bounce = Assert.Single(bounces.EnumerateArray(), b => b.GetProperty("address").GetString() == "left@example.net");
        Assert.Equal("userunknown", bounce.GetProperty("reason").GetString());
        Assert.StartsWith("message-id:", bounce.GetProperty("tiedTo").GetString());
        var forged = Assert.Single(bounces.EnumerateArray(), b => b.GetProperty("address").GetString() == "victim@example.net");
        Assert.Equal(JsonValueKind.Null, forged.GetProperty("tiedTo").ValueKind);
        Assert.StartsWith("not tied to mail sent by this tenant", forged.GetProperty("untied").GetString());
        Assert.Contains("not tied to mail sent by this tenant", await cli.Ok("bounce", "list", "--address", "victim@example.net"));
        Assert.False(JsonDocument.Parse(await cli.Ok("contact", "show", "victim@example.net", "--json")).RootElement.GetProperty("invalid").GetBoolean());
        Assert.DoesNotContain("victim@example.net", await cli.Ok("contact", "list", "--invalid"));
        Assert.Empty(JsonDocument.Parse(await cli.Ok("bounce", "list", "--soft", "--json")).RootElement.EnumerateArray());
        Assert.Contains("left@example.net", await cli.Ok("bounce", "list", "--reason", "userunknown", "--since", "2020-01-01"));

        var contact = JsonDocument.Parse(await cli.Ok("contact", "show", "LEFT@example.net", "--json")).RootElement;
        Assert.True(contact.GetProperty("invalid").GetBoolean());
        Assert.Contains("userunknown", contact.GetProperty("invalidReason").GetString());
        Assert.Contains("left@example.net", await cli.Ok("contact", "list", "--invalid"));

        await cli.Ok("contact", "revalidate", "left@example.net");
        Assert.False(JsonDocument.Parse(await cli.Ok("contact", "show", "left@example.net", "--json")).RootElement.GetProperty("invalid").GetBoolean());

        var badReason = await cli.Run("bounce", "list", "--reason", "nonsense");
        Assert.Equal(2, badReason.ExitCode);
    }

    [Fact]
    public async Task Classify_works_offline_on_files()
    {
        using var dir = new TempDirectory();
        var bounceFile = dir.File("bounce.eml");
        var replyFile = dir.File("reply.eml");
        await File.WriteAllBytesAsync(bounceFile, TestBounces.SoftMailboxFull("full@example.net"));
        await File.WriteAllBytesAsync(replyFile, TestMail.Simple("Re: hello", body: "Thanks, see you soon."));
        // No silo: the gateway points nowhere.
        var cli = new Cli($"127.0.0.1:{FreePort.Next()}");

        var result = await cli.Run("bounce", "classify", bounceFile, replyFile, "--json");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        var bounce = JsonDocument.Parse(lines[0]).RootElement;
        Assert.True(bounce.GetProperty("isBounce").GetBoolean());
        var recipient = Assert.Single(bounce.GetProperty("recipients").EnumerateArray());
        Assert.Equal("full@example.net", recipient.GetProperty("recipient").GetString());
        Assert.Equal("mailboxfull", recipient.GetProperty("reason").GetString());
        Assert.False(recipient.GetProperty("hardBounce").GetBoolean());
        Assert.Equal("4.2.2", recipient.GetProperty("status").GetString());
        Assert.False(JsonDocument.Parse(lines[1]).RootElement.GetProperty("isBounce").GetBoolean());

        var missing = await cli.Run("bounce", "classify", dir.File("nope.eml"));
        Assert.Equal(1, missing.ExitCode);
    }
}

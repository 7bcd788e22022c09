using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

public sealed class BounceCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Bounces_and_contacts_through_the_real_client()
    {
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("mkt", "mkt-password");
        dovecot.Deliver("mkt", TestBounces.HardUserUnknown("left@example.net"));
        var cli = fixture.Cli("bouncecli");
        await cli.Ok("mailbox", "add", "returns", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "mkt", "--password", "mkt-password", "--enable");
        await cli.Ok("mailbox", "poll", "returns", "--wait");

        var bounces = JsonDocument.Parse(await cli.Ok("bounce", "list", "--hard", "--json")).RootElement;
        var bounce = Assert.Single(bounces.EnumerateArray());
        Assert.Equal("left@example.net", bounce.GetProperty("address").GetString());
        Assert.Equal("userunknown", bounce.GetProperty("reason").GetString());
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

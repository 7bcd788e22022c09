using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>
/// The who-speaks settings of a mailbox through the real client and a real silo process: set, shown, added to,
/// cleared, refused when malformed.
/// </summary>
public sealed class SpeakerCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Trusted_authserv_ids_and_any_reply_to_are_set_shown_added_to_cleared_and_checked()
    {
        var cli = fixture.Cli("speak" + Guid.NewGuid().ToString("N")[..10]);
        await cli.Ok("mailbox", "add", "help", "--type", "service", "--host", "127.0.0.1", "--account", "help", "--password", "x",
            "--trust-authserv-id", "mx.example.com", "--allow-any-reply-to", "true");

        var table = await cli.Ok("mailbox", "show", "help");
        Assert.Contains("mx.example.com", table);
        Assert.Contains("any address", table);

        await cli.Ok("mailbox", "update", "help", "--trust-authserv-id", "mx2.example.com", "--allow-any-reply-to", "false");
        var incoming = Incoming(await cli.Ok("mailbox", "show", "help", "--json"));
        Assert.Equal(["mx.example.com", "mx2.example.com"], incoming.GetProperty("trustedAuthServIds").EnumerateArray().Select(e => e.GetString()));
        Assert.False(incoming.GetProperty("allowAnyReplyTo").GetBoolean());
        Assert.Contains("only in the From's domain", await cli.Ok("mailbox", "show", "help"));

        var refused = await cli.Run("mailbox", "update", "help", "--trust-authserv-id", "mx.example.com; dmarc=pass");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("incoming.trustedAuthServIds[2]", refused.Stderr + refused.Stdout);

        await cli.Ok("mailbox", "update", "help", "--clear-trusted-authserv-ids");
        Assert.Empty(Incoming(await cli.Ok("mailbox", "show", "help", "--json")).GetProperty("trustedAuthServIds").EnumerateArray());
        Assert.Contains("none (Authentication-Results headers ignored)", await cli.Ok("mailbox", "show", "help"));
    }

    private static JsonElement Incoming(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("settings").GetProperty("incoming").Clone();
}

using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>A host limit that holds polls back, seen the way an operator sees it: <c>techmail status</c> on a running silo.</summary>
public sealed class SessionLimitStatusTests
{
    [Fact]
    public async Task A_host_limit_that_holds_polls_back_shows_in_status_and_its_json()
    {
        await using var dovecot = await DovecotServer.Start();
        // A distant server: each POP3 poll takes several seconds, so the second poll waits for the first one's slot.
        await using var proxy = FaultyProxy.Start(dovecot.Pop3Port);
        proxy.AddLatency(TimeSpan.FromMilliseconds(700));
        using var data = new TempDirectory("techmail-limit-status");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:MaxSessionsPerHost=1", "--Techmail:MinSessionsPerHost=1"]);
        var cli = new Cli(silo.Gateway, "limits");
        foreach (var name in new[] { "first", "second" })
        {
            dovecot.AddUser(name, $"{name}-password");
            dovecot.Deliver(name, TestMail.Simple($"to {name}", from: $"customer-{name}@example.net"));
            await cli.Ok("mailbox", "add", name, "--type", "service", "--host", "127.0.0.1", "--port", proxy.Port.ToString(),
                "--tls", "none", "--allow-plaintext-password", "--account", name, "--password", $"{name}-password", "--poll-interval", "1h", "--enable");
        }

        await cli.Ok("mailbox", "poll", "first");
        await cli.Ok("mailbox", "poll", "second", "--wait");

        JsonElement host = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var limits = JsonDocument.Parse(await cli.Ok("status", "--json")).RootElement.GetProperty("limits");
            if (limits.EnumerateArray().FirstOrDefault(l => l.GetProperty("scope").GetString() == "host") is { ValueKind: JsonValueKind.Object } found)
            {
                host = found;
                break;
            }

            // The silo writes its limits every few seconds.
            await Task.Delay(2000);
        }

        Assert.Equal(JsonValueKind.Object, host.ValueKind);
        Assert.Equal("127.0.0.1", host.GetProperty("host").GetString());
        Assert.True(host.GetProperty("reached").GetBoolean());
        Assert.Equal(1, host.GetProperty("limit").GetInt32());
        Assert.True(host.GetProperty("waits").GetInt64() >= 1);
        Assert.Equal(JsonValueKind.String, host.GetProperty("lastWait").ValueKind);

        var text = await cli.Ok("status");
        Assert.Contains("host 127.0.0.1: 1 sessions (adapts from 1 to 1): reached", text);
        Assert.Equal(0, dovecot.CountMessages("first") + dovecot.CountMessages("second"));
    }
}

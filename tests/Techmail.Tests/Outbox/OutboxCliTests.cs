using System.Text;
using System.Text.Json;
using Techmail.Outgoing;
using Techmail.Storage;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>What an admin sees of an outbox through the real client and a real silo process.</summary>
public sealed class OutboxCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Mailbox_status_shows_the_outbox_counts_and_failures_and_outbox_list_filters_by_state()
    {
        var tenant = "cli" + Guid.NewGuid().ToString("N")[..10];
        var cli = fixture.Cli(tenant);
        // Disabled, so nothing is sent and the rows stay as the test leaves them.
        await cli.Ok("mailbox", "add", "support", "--type", "service", "--envelope-from", "bounces@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", "25", "--smtp-tls", "none");
        var store = new OutboxStore(TechmailDatabase.ForSqliteFile(Path.Combine(fixture.Silo.DataDirectory, "techmail.db")), TimeProvider.System);
        var raw = Encoding.ASCII.GetBytes("Subject: ack\r\n\r\nThanks.\r\n");
        await store.Enqueue(new QueuedMail(tenant, "support", "ack:1", "261127-000001", "bounces@example.com", ["ann@example.net"], raw));
        var (failed, _) = await store.Enqueue(new QueuedMail(tenant, "support", "ack:2", "261127-000002", "bounces@example.com", ["nobody@example.net"], raw));
        await store.MarkFailed(failed, "SMTP relay 127.0.0.1:25 refused recipient nobody@example.net: 550 5.1.1 no such user", DateTimeOffset.UtcNow);

        var status = await cli.Ok("mailbox", "status", "support");
        Assert.Contains("1 queued, 0 sent, 1 failed", status);
        Assert.Contains("550 5.1.1 no such user", status);
        var json = JsonDocument.Parse(await cli.Ok("mailbox", "status", "support", "--json")).RootElement.GetProperty("outbox");
        Assert.Equal((1, 1), (json.GetProperty("queued").GetInt32(), json.GetProperty("failed").GetInt32()));

        var queued = JsonDocument.Parse(await cli.Ok("outbox", "list", "--state", "queued", "--json")).RootElement;
        var row = Assert.Single(queued.EnumerateArray());
        Assert.Equal(("261127-000001", "Queued"), (row.GetProperty("reference").GetString(), row.GetProperty("state").GetString()));
        Assert.Contains("0 message(s).", await cli.Ok("outbox", "list", "--mailbox", "support", "--state", "sent"));
        Assert.Contains("2 message(s).", await cli.Ok("outbox", "list", "--mailbox", "support"));
    }
}

using System.Text;
using Techmail.Tests.Support;

namespace Techmail.Tests.Observability;

/// <summary>/metrics of a silo process, scraped before and after real polls of a real Dovecot, with a real SMTP server.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task A_poll_moves_the_counters_by_what_it_did_and_Orleans_metrics_are_served_beside_them()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("metrics", "pw");
        dovecot.AddUser("locked", "right");
        dovecot.AddUser("returns", "pw");
        using var data = new TempDirectory("techmail-metrics");
        await using var silo = await SiloProcess.Start(data.Path);
        using var http = new HttpClient { BaseAddress = silo.Http };
        var cli = new Cli(silo.Gateway);
        await cli.Ok("mailbox", "add", "support", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "metrics", "--password", "pw",
            "--envelope-from", "techmail@example.com", "--friendly-from", "support@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none",
            "--discard", "spam=header:X-Spam-Flag:equals:YES", "--enable");
        await cli.Ok("mailbox", "add", "locked", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "locked", "--password", "wrong", "--enable");
        await cli.Ok("mailbox", "add", "returns", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "returns", "--password", "pw",
            "--envelope-from", "returns@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
        // Bounces change addresses only when they are tied to mail the tenant sent: the Marketing mailbox mails both
        // addresses first (before the scrape, so only the acknowledgements count as sent below).
        var sentIds = new List<string>();
        foreach (var to in new[] { "gone@example.net", "full@example.net" })
        {
            var sent = System.Text.Json.JsonDocument.Parse(await cli.Ok("mailbox", "send", "returns", "--to", to, "--subject", "News", "--wait", "--json")).RootElement;
            sentIds.Add($"<{sent.GetProperty("messageId").GetString()}>");
        }

        var before = await PrometheusText.Scrape(http);
        for (var i = 0; i < 3; i++)
        {
            dovecot.Deliver("metrics", TestMail.Simple($"question {i}", from: $"customer{i}@example.net"));
        }

        dovecot.Deliver("metrics", Encoding.ASCII.GetBytes("From: spammer@example.org\r\nTo: support@example.com\r\nSubject: offer\r\nX-Spam-Flag: YES\r\nMessage-ID: <spam@example.org>\r\n\r\nBuy.\r\n"));
        await cli.Ok("mailbox", "poll", "support", "--until-built");
        await cli.Run("mailbox", "poll", "locked", "--wait");
        dovecot.Deliver("returns", TestBounces.HardUserUnknown("gone@example.net", sentIds[0]));
        dovecot.Deliver("returns", TestBounces.SoftMailboxFull("full@example.net", sentIds[1]));
        await cli.Ok("mailbox", "poll", "returns", "--until-built");
        await smtp.WaitFor(m => m.Message.Subject?.Contains("question 2", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30));

        // The outbox marks what the relay accepted on its next commit: the counter may trail the SMTP server a moment.
        var after = await Eventually(http, s => Moved(before, s, "techmail_outbox_sent_total", ("kind", "acknowledgement")) >= 3);

        Assert.Equal(3, Moved(before, after, "techmail_polls_total", ("trigger", "manual")));
        Assert.Equal(3, Moved(before, after, "techmail_messages_total", ("verdict", "accepted"), ("mailbox_type", "service")));
        Assert.Equal(1, Moved(before, after, "techmail_messages_total", ("verdict", "discarded")));
        Assert.Equal(0, Moved(before, after, "techmail_messages_total", ("verdict", "quarantined")));
        Assert.Equal(3, Moved(before, after, "techmail_incidents_created_total"));
        Assert.Equal(3, Moved(before, after, "techmail_acknowledgements_queued_total"));
        Assert.Equal(3, Moved(before, after, "techmail_outbox_sent_total", ("kind", "acknowledgement")));
        Assert.Equal(0, Moved(before, after, "techmail_outbox_failed_total"));
        Assert.Equal(1, Moved(before, after, "techmail_polls_failed_total", ("reason", "authentication")));
        Assert.Equal(1, Moved(before, after, "techmail_polls_failed_total"));
        Assert.Equal(3, Moved(before, after, "techmail_poll_duration_seconds_count"));

        // The Marketing mailbox: two bounces, one hard (its address invalidated at once), one soft (one is not enough).
        Assert.Equal(2, Moved(before, after, "techmail_messages_total", ("verdict", "accepted"), ("mailbox_type", "marketing")));
        Assert.Equal(1, Moved(before, after, "techmail_bounces_total", ("reason", "userunknown"), ("severity", "hard")));
        Assert.Equal(1, Moved(before, after, "techmail_bounces_total", ("severity", "soft")));
        Assert.Equal(1, Moved(before, after, "techmail_addresses_invalidated_total"));
        // Asked-for polls have no due time: the lateness histogram is for scheduled polls only.
        Assert.Equal(0, Moved(before, after, "techmail_poll_lateness_seconds_count"));

        // The gauges come from the database (sampled every few seconds): nothing waits once the mail is built and sent.
        Assert.True(after.Has("techmail_intake_backlog"), after.Text);
        var settled = await Eventually(http, s => s.Sum("techmail_outbox_queue_depth") == 0 && s.Sum("techmail_intake_backlog") == 0);
        Assert.Equal(0, settled.Sum("techmail_intake_oldest_age_seconds"));

        // Orleans' own meter, through the same endpoint.
        Assert.True(after.Has("orleans_"), after.Text);
        Assert.Contains("# TYPE techmail_polls_total counter", after.Text);
    }

    private static double Moved(PrometheusText before, PrometheusText after, string name, params (string, string)[] labels) =>
        after.Sum(name, labels) - before.Sum(name, labels);

    internal static async Task<PrometheusText> Eventually(HttpClient http, Func<PrometheusText, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (true)
        {
            var scrape = await PrometheusText.Scrape(http);
            if (condition(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(250);
        }
    }
}

using System.Text.Json;
using Techmail.Tests.Observability;
using Techmail.Tests.Support;
using Techmail.Webhooks;

namespace Techmail.Tests.Webhooks;

/// <summary>
/// Webhooks end to end: the real client against a silo process, mail from a real Dovecot becoming incidents, and a
/// real HTTP receiver. The silo is killed (SIGKILL) while deliveries wait for a retry; the restarted silo delivers
/// every one of them.
/// </summary>
public sealed class WebhookSiloTests
{
    private const int Mails = 5;

    [Fact]
    public async Task Webhook_commands_deliver_signed_events_and_a_killed_silo_loses_no_pending_delivery()
    {
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("hooks", "hooks-password");
        await using var receiver = await WebhookReceiver.Start();
        using var data = new TempDirectory("techmail-webhooks");
        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        // Tests receive on 127.0.0.1, which only an operator's allowance opens; quick retries keep the test short.
        string[] settings = ["--Techmail:WebhookAllowPrivateAddresses=true", "--Techmail:WebhookFirstRetrySeconds=1", "--Techmail:WebhookTimeoutSeconds=2"];

        string secret, webhook;
        IReadOnlyList<string> created;
        await using (var silo = await SiloProcess.Start(data.Path, siloPort, gatewayPort, settings))
        {
            var cli = new Cli(silo.Gateway);
            var refused = await cli.Run("webhook", "add", receiver.Url, "--event", "incident.created,nonsense");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("'nonsense' is not an event", refused.Stderr);

            var added = JsonDocument.Parse(await cli.Ok("webhook", "add", receiver.Url, "--event", "*", "--json")).RootElement;
            secret = added.GetProperty("secret").GetString()!;
            webhook = added.GetProperty("webhook").GetProperty("id").GetString()!;
            Assert.StartsWith("whsec_", secret);
            Assert.Equal(WebhookEventTypes.All, added.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()));

            // A ping, sent at once: the client prints what the receiver answered.
            var test = await cli.Ok("webhook", "test", webhook);
            Assert.Contains($"{webhook} answered 200 in ", test);
            Assert.Contains(": thanks", test);
            var ping = Assert.Single(receiver.Received);
            Assert.Equal(WebhookEventTypes.Ping, ping.EventType);
            Assert.Null(WebhookSignature.Verify(secret, ping.Signature, ping.Body, DateTimeOffset.UtcNow));
            receiver.Answer(503);
            var failedTest = await cli.Run("webhook", "test", webhook);
            Assert.Equal(1, failedTest.ExitCode);
            Assert.Contains("answered 503", failedTest.Stdout);

            // The receiver is down for now: every incident's event waits for a retry.
            receiver.Otherwise = 500;
            await cli.Ok("mailbox", "add", "support", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
                "--tls", "none", "--allow-plaintext-password", "--account", "hooks", "--password", "hooks-password", "--poll-interval", "1h", "--enable");
            for (var i = 0; i < Mails; i++)
            {
                dovecot.Deliver("hooks", TestMail.Simple($"hook {i}", from: $"customer{i}@example.net"));
            }

            await cli.Ok("mailbox", "poll", "support", "--until-built");
            var failing = await receiver.WaitFor(r => Incidents(r).Select(x => x.EventId).Distinct().Count() == Mails, TimeSpan.FromSeconds(60));
            created = [.. Incidents(failing).Select(x => x.EventId!).Distinct()];
            Assert.All(Incidents(failing), r => Assert.Equal(500, r.AnsweredWith));

            var listed = JsonDocument.Parse(await cli.Ok("webhook", "list", "--json")).RootElement.EnumerateArray().Single();
            Assert.Equal(Mails, listed.GetProperty("deliveries").GetProperty("queued").GetInt64());
            Assert.StartsWith("receiver answered 500", listed.GetProperty("deliveries").GetProperty("lastError").GetString());
            silo.Kill();
        }

        Assert.Equal(Mails, await SiloDatabase.Count(data.Path, "SELECT COUNT(*) FROM techmail_webhook_deliveries WHERE state = 'queued'"));
        // The secret is kept sealed with the key ring, as mailbox passwords are: not in the database's bytes.
        Assert.StartsWith("CfDJ8", (string)(await SiloDatabase.Query(data.Path, "SELECT secret FROM techmail_webhooks"))!);
        foreach (var file in Directory.GetFiles(data.Path, "techmail.db*"))
        {
            Assert.DoesNotContain(secret, System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)));
        }

        receiver.Otherwise = 200;

        await using (var silo = await SiloProcess.Start(data.Path, siloPort, gatewayPort, settings))
        {
            // Nothing asked for: the restarted silo resumes the waiting deliveries by itself.
            var delivered = await receiver.WaitFor(r => created.All(id => r.Any(x => x.EventId == id && x.AnsweredWith == 200)), TimeSpan.FromSeconds(90));
            foreach (var request in Incidents(delivered))
            {
                Assert.Null(WebhookSignature.Verify(secret, request.Signature, request.Body, DateTimeOffset.UtcNow));
                var incident = request.Json.GetProperty("data").GetProperty("incident");
                Assert.Equal("support", incident.GetProperty("mailbox").GetString());
                Assert.StartsWith("hook ", incident.GetProperty("subject").GetString());
            }

            // Each event id's body is the same on every attempt, before the kill and after it.
            Assert.All(Incidents(delivered).GroupBy(r => r.EventId), g => Assert.Single(g.Select(r => r.Body).Distinct()));

            var cli = new Cli(silo.Gateway);
            var reference = JsonDocument.Parse(await cli.Ok("incident", "list", "--limit", "1", "--json")).RootElement.GetProperty("incidents")[0].GetProperty("reference").GetString()!;
            await cli.Ok("incident", "update", reference, "--status", "solved");
            var updated = await receiver.WaitFor(r => r.Any(x => x.EventType == WebhookEventTypes.IncidentUpdated), TimeSpan.FromSeconds(30));
            var update = updated.Single(x => x.EventType == WebhookEventTypes.IncidentUpdated).Json.GetProperty("data");
            Assert.Equal((reference, "Solved"), (update.GetProperty("incident").GetProperty("reference").GetString(), update.GetProperty("incident").GetProperty("status").GetString()));

            using var http = new HttpClient { BaseAddress = silo.Http };
            // The attempt is counted once the receiver's answer is read: the counter may trail the receiver a moment.
            var metrics = await MetricsEndpointTests.Eventually(http, s => s.Sum("techmail_webhook_attempts_total", ("outcome", "delivered")) >= Mails + 1);
            Assert.True(metrics.Sum("techmail_webhook_attempts_total", ("outcome", "delivered")) >= Mails + 1, metrics.Text);
            Assert.True(metrics.Has("techmail_webhook_duration_seconds_count"), metrics.Text);

            await cli.Ok("webhook", "remove", webhook);
            Assert.Equal(1, (await cli.Run("webhook", "remove", webhook)).ExitCode);
            var audit = JsonDocument.Parse(await cli.Ok("audit", "list", "--json")).RootElement.EnumerateArray().Select(e => (e.GetProperty("action").GetString(), e.GetProperty("subject").GetString())).ToList();
            Assert.Contains(("webhook.add", webhook), audit);
            Assert.Contains(("webhook.remove", webhook), audit);
            Assert.DoesNotContain(secret, await cli.Ok("audit", "list", "--json"));
        }

        Assert.Equal(0, await SiloDatabase.Count(data.Path, "SELECT COUNT(*) FROM techmail_webhook_deliveries"));
    }

    private static IEnumerable<ReceivedWebhook> Incidents(IEnumerable<ReceivedWebhook> received) =>
        received.Where(r => r.EventType == WebhookEventTypes.IncidentCreated);
}

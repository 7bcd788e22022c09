using System.Text.Json;
using Techmail.Tests.Support;
using Techmail.Webhooks;

namespace Techmail.Tests.Webhooks;

/// <summary>
/// Every event type, raised by the engine's real work in a silo process (mail from Dovecot, a reply through a real
/// SMTP server, a bounce, a mailbox whose server refuses), reaches a real receiver with its data, signed.
/// </summary>
public sealed class WebhookEventTypesTests
{
    [Fact]
    public async Task Each_event_type_reaches_a_subscribed_receiver_with_its_data_and_an_unsubscribed_one_gets_none()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("desk", "desk-password");
        dovecot.AddUser("returns", "returns-password");
        await using var everything = await WebhookReceiver.Start();
        await using var createdOnly = await WebhookReceiver.Start();
        using var data = new TempDirectory("techmail-webhook-events");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs:
        [
            "--Techmail:WebhookAllowPrivateAddresses=true", "--Techmail:RetryAttempts=0", "--Techmail:CircuitBreakSeconds=1",
        ]);
        var cli = new Cli(silo.Gateway);
        var secret = JsonDocument.Parse(await cli.Ok("webhook", "add", everything.Url, "--event", "*", "--json")).RootElement.GetProperty("secret").GetString()!;
        await cli.Ok("webhook", "add", createdOnly.Url, "--event", "incident.created");
        string[] relay = ["--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none"];

        // incident.created, then reply.received: the customer answers with the reference in the subject.
        await cli.Ok(["mailbox", "add", "desk", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(), "--tls", "none",
            "--allow-plaintext-password", "--account", "desk", "--password", "desk-password", "--envelope-from", "desk@example.com", .. relay, "--enable"]);
        dovecot.Deliver("desk", TestMail.Simple("Printer on fire", from: "ann@customer.example"));
        await cli.Ok("mailbox", "poll", "desk", "--until-built");
        var created = (await everything.WaitFor(r => Of(r, WebhookEventTypes.IncidentCreated).Any(), TimeSpan.FromSeconds(30)))
            .First(r => r.EventType == WebhookEventTypes.IncidentCreated).Json.GetProperty("data").GetProperty("incident");
        var reference = created.GetProperty("reference").GetString()!;
        Assert.Equal(("Printer on fire", "ann@customer.example", "desk", "New"),
            (created.GetProperty("subject").GetString(), created.GetProperty("contact").GetString(), created.GetProperty("mailbox").GetString(), created.GetProperty("status").GetString()));

        dovecot.Deliver("desk", TestMail.Simple($"Re: [Incident: {reference}] Printer on fire", from: "ann@customer.example", body: "It is still burning."));
        await cli.Ok("mailbox", "poll", "desk", "--until-built");
        var reply = (await everything.WaitFor(r => Of(r, WebhookEventTypes.ReplyReceived).Any(), TimeSpan.FromSeconds(30)))
            .First(r => r.EventType == WebhookEventTypes.ReplyReceived).Json.GetProperty("data");
        Assert.Equal((reference, "Updated"), (reply.GetProperty("reference").GetString(), reply.GetProperty("status").GetString()));
        Assert.Equal("ann@customer.example", reply.GetProperty("entry").GetProperty("from").GetString());
        Assert.Contains("It is still burning.", reply.GetProperty("entry").GetProperty("replyText").GetString());

        // incident.updated: an agent's answer moves it to waiting.
        await cli.Ok("incident", "reply", reference, "--body", "A technician is on the way.");
        var updated = (await everything.WaitFor(r => Of(r, WebhookEventTypes.IncidentUpdated).Any(), TimeSpan.FromSeconds(30)))
            .First(r => r.EventType == WebhookEventTypes.IncidentUpdated).Json.GetProperty("data");
        Assert.Equal((reference, "Waiting"), (updated.GetProperty("incident").GetProperty("reference").GetString(), updated.GetProperty("incident").GetProperty("status").GetString()));
        Assert.StartsWith("operator-", updated.GetProperty("by").GetString());

        // address.invalidated: a hard bounce of a mailing.
        await cli.Ok(["mailbox", "add", "returns", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(), "--tls", "none",
            "--allow-plaintext-password", "--account", "returns", "--password", "returns-password", "--envelope-from", "bounces@example.com", .. relay, "--enable"]);
        var sent = JsonDocument.Parse(await cli.Ok("mailbox", "send", "returns", "--to", "left@example.net", "--subject", "News", "--json")).RootElement;
        dovecot.Deliver("returns", TestBounces.HardUserUnknown("left@example.net", $"<{sent.GetProperty("messageId").GetString()}>"));
        await cli.Ok("mailbox", "poll", "returns", "--until-built");
        var invalidated = (await everything.WaitFor(r => Of(r, WebhookEventTypes.AddressInvalidated).Any(), TimeSpan.FromSeconds(30)))
            .First(r => r.EventType == WebhookEventTypes.AddressInvalidated).Json.GetProperty("data");
        Assert.Equal("left@example.net", invalidated.GetProperty("address").GetString());

        // mailbox.failing: the third failed poll in a row, once.
        await cli.Ok("mailbox", "add", "broken", "--type", "service", "--host", "127.0.0.1", "--port", FreePort.Next().ToString(), "--tls", "none",
            "--allow-plaintext-password", "--account", "nobody", "--password", "nothing", "--enable");
        for (var i = 0; i < 4; i++)
        {
            await cli.Run("mailbox", "poll", "broken", "--wait");
        }

        var failing = (await everything.WaitFor(r => Of(r, WebhookEventTypes.MailboxFailing).Any(), TimeSpan.FromSeconds(30)))
            .Single(r => r.EventType == WebhookEventTypes.MailboxFailing).Json.GetProperty("data");
        Assert.Equal(("broken", 3), (failing.GetProperty("mailbox").GetString(), failing.GetProperty("consecutiveFailures").GetInt32()));
        Assert.False(string.IsNullOrEmpty(failing.GetProperty("lastError").GetString()));

        foreach (var request in everything.Received)
        {
            Assert.Null(WebhookSignature.Verify(secret, request.Signature, request.Body, DateTimeOffset.UtcNow));
        }

        // The other webhook asked for incident.created only.
        Assert.Equal([WebhookEventTypes.IncidentCreated], createdOnly.Received.Select(r => r.EventType).Distinct());
    }

    private static IEnumerable<ReceivedWebhook> Of(IEnumerable<ReceivedWebhook> received, string type) => received.Where(r => r.EventType == type);
}

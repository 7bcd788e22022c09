using System.Net;
using System.Net.Http.Headers;
using Techmail.Mailboxes;
using Techmail.Tests.Certificates;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Api;

/// <summary>
/// The rest of an administrator's day over HTTP, on a silo process with a real Dovecot: quarantined mail read raw,
/// reprocessed and dropped; certificates imported as a browser uploads a file, listed, shown and removed; tokens listed
/// and revoked (a revoked token is refused at once); the engine's status, the bounce and address lists.
/// </summary>
public sealed class ApiAdminTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Quarantined_mail_is_read_raw_reprocessed_and_dropped_over_http()
    {
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("apiquarantine", "apiquarantine-password");
        using var root = ApiClient.Operator(fixture.Silo);
        using var admin = new ApiClient(fixture.Silo, await root.CreateToken("apiheld", "admin", "held-admin"));
        var settings = MailboxSettings.Empty(MailboxType.Service) with
        {
            Enabled = true,
            Incoming = new IncomingSettings(MailProtocol.Pop3, "127.0.0.1", dovecot.Pop3Port, TlsMode.None, "apiquarantine", "apiquarantine-password", [], AllowPlaintextPassword: true),
        };
        using var created = await admin.Post("mailboxes", new { name = "support", settings });
        await ApiClient.Body(created, HttpStatusCode.Created);
        dovecot.Deliver("apiquarantine", TestMail.Garbage());
        dovecot.Deliver("apiquarantine", TestMail.Garbage().Concat("\r\n"u8.ToArray()).ToArray());
        using var poll = await admin.Post("mailboxes/support/poll");
        await ApiClient.Body(poll, HttpStatusCode.Accepted);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        System.Text.Json.JsonElement held;
        while ((held = (await admin.Ok("quarantine?mailbox=support")).GetProperty("items")).GetArrayLength() < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the garbage was not quarantined within 60 s");
            await Task.Delay(250);
        }

        var ids = held.EnumerateArray().Select(q => q.GetProperty("id").GetString()!).ToList();
        var shown = await admin.Ok($"quarantine/{ids[0]}");
        Assert.Equal("Held", shown.GetProperty("message").GetProperty("state").GetString());
        using var raw = await admin.Get($"quarantine/{ids[0]}/raw");
        Assert.Equal("message/rfc822", raw.Content.Headers.ContentType?.MediaType);
        Assert.Contains(" this is not a message", System.Text.Encoding.ASCII.GetString(await raw.Content.ReadAsByteArrayAsync()));

        using var reprocessed = await admin.Post($"quarantine/{ids[0]}/reprocess");
        Assert.Equal(ids[0], (await ApiClient.Body(reprocessed, HttpStatusCode.OK)).GetProperty("quarantineId").GetString());
        using var dropped = await admin.Delete($"quarantine/{ids[1]}");
        Assert.Equal(HttpStatusCode.NoContent, dropped.StatusCode);
        using var again = await admin.Delete($"quarantine/{ids[1]}");
        await ApiClient.Problem(again, HttpStatusCode.NotFound);
        Assert.Equal("Dropped", (await admin.Ok($"quarantine/{ids[1]}")).GetProperty("message").GetProperty("state").GetString());
        using var unknown = await admin.Get("quarantine/no-such-id");
        await ApiClient.Problem(unknown, HttpStatusCode.NotFound);

        // Beside it, the lists an admin reads; the engine's status is the cluster's, an operator's or auditor's.
        Assert.Equal(0, (await admin.Ok("bounces?hard=true")).GetProperty("items").GetArrayLength());
        using var both = await admin.Get("bounces?hard=true&soft=true");
        await ApiClient.Problem(both, HttpStatusCode.BadRequest);
        Assert.Equal(0, (await admin.Ok("invalid-addresses")).GetProperty("items").GetArrayLength());
        Assert.True((await root.Ok("status")).GetProperty("status").GetProperty("enabledMailboxes").GetInt32() >= 1);
        using var cluster = await admin.Get("status");
        await ApiClient.Problem(cluster, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_mailbox_sends_over_http_its_outbox_entry_follows_disable_stops_it_and_a_bounced_address_is_revalidated()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("apisend-bounces", "apisend-password");
        using var root = ApiClient.Operator(fixture.Silo);
        using var admin = new ApiClient(fixture.Silo, await root.CreateToken("apisend", "admin", "send-admin"));
        var relay = new SmtpRelaySettings("127.0.0.1", smtp.Port, TlsMode.None, null, null);
        var news = MailboxSettings.Empty(MailboxType.Marketing) with
        {
            Enabled = true,
            PollInterval = TimeSpan.FromHours(1),
            Incoming = new IncomingSettings(MailProtocol.Pop3, "127.0.0.1", dovecot.Pop3Port, TlsMode.None, "apisend-bounces", "apisend-password", [], AllowPlaintextPassword: true),
            Outgoing = new OutgoingSettings("apisend-bounces@example.com", "news@example.com", null, "Example News", relay),
        };
        await ApiClient.Body(await admin.Post("mailboxes", new { name = "news", settings = news }), HttpStatusCode.Created);

        // Sent: answered at once with the outbox id, then the entry follows the mail to the relay.
        var ticket = await ApiClient.Body(
            await admin.Post("mailboxes/news/send", new { to = new[] { "reader@example.net" }, subject = "Over HTTP", body = "Sent through the API.", requestId = "api-send-1" }),
            HttpStatusCode.Accepted);
        var id = ticket.GetProperty("outboxId").GetInt64();
        var received = await smtp.WaitFor(m => m.Recipients.Contains("reader@example.net"), TimeSpan.FromSeconds(60));
        Assert.Equal("apisend-bounces@example.com", received.EnvelopeFrom);
        Assert.Equal("Over HTTP", received.Message.Subject);
        Assert.Equal(ticket.GetProperty("messageId").GetString(), received.Message.MessageId);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        System.Text.Json.JsonElement entry;
        while ((entry = await admin.Ok($"mailboxes/news/outbox/{id}")).GetProperty("state").GetString() != "Sent")
        {
            Assert.True(DateTime.UtcNow < deadline, $"outbox entry {id} never became Sent: {entry}");
            await Task.Delay(100);
        }

        Assert.Equal(["reader@example.net"], entry.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));

        // The same request id again is the same mail, not a second one; another mailbox's id is not found.
        var again = await ApiClient.Body(
            await admin.Post("mailboxes/news/send", new { to = new[] { "reader@example.net" }, subject = "Over HTTP", body = "Sent through the API.", requestId = "api-send-1" }),
            HttpStatusCode.Accepted);
        Assert.True(again.GetProperty("alreadyQueued").GetBoolean());
        Assert.Equal(id, again.GetProperty("outboxId").GetInt64());
        await ApiClient.Problem(await admin.Get($"mailboxes/other/outbox/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(1, smtp.CountTo("reader@example.net"));

        // The reader's server bounces it (a bounce of mail this mailbox sent, so it is believed): a poll of the
        // Marketing mailbox flags the address invalid.
        dovecot.Deliver("apisend-bounces", TestBounces.Dsn(
            "reader@example.net", "5.1.1", "550 5.1.1 <reader@example.net>: user unknown", "apisend-bounces@example.com", originalMessageId: received.Message.MessageId));
        await ApiClient.Body(await admin.Post("mailboxes/news/poll"), HttpStatusCode.Accepted);
        deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await admin.Ok("invalid-addresses")).GetProperty("items").GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the bounce never flagged the address: {await admin.Ok("bounces")} {await admin.Ok("mailboxes/news/status")} {await admin.Ok("mailboxes/news/trace")}");
            await Task.Delay(200);
        }

        Assert.True((await admin.Ok("contacts/reader@example.net")).GetProperty("address").GetProperty("invalid").GetBoolean());

        // Vouched for again: valid, and off the list of addresses not to mail; the history stays.
        var revalidated = await ApiClient.Body(await admin.Post("contacts/reader@example.net/revalidate"), HttpStatusCode.OK);
        Assert.False(revalidated.GetProperty("invalid").GetBoolean());
        Assert.NotEqual(0, revalidated.GetProperty("history").GetArrayLength());
        Assert.Equal(0, (await admin.Ok("invalid-addresses")).GetProperty("items").GetArrayLength());

        // Disabled: the answer carries the new version, no poll is scheduled, and a change made on an old version is refused.
        using var disabled = await admin.Post("mailboxes/news/disable");
        var view = await ApiClient.Body(disabled, HttpStatusCode.OK);
        Assert.False(view.GetProperty("settings").GetProperty("enabled").GetBoolean());
        Assert.Equal(ApiClient.ETag(disabled), ApiClient.ETag(await admin.Get("mailboxes/news")));
        var status = (await admin.Ok("mailboxes/news/status")).GetProperty("status");
        Assert.Equal("Idle", status.GetProperty("state").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, status.GetProperty("nextPoll").ValueKind);
        await ApiClient.Problem(await admin.Post("mailboxes/news/disable", ifMatch: "\"999\""), HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Certificates_are_uploaded_listed_shown_and_removed_and_tokens_listed_and_revoked()
    {
        using var root = ApiClient.Operator(fixture.Silo);
        using var admin = new ApiClient(fixture.Silo, await root.CreateToken("apicerts", "admin", "cert-admin"));

        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(TestPki.Pem(TestPki.Instance.Customer));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-pem-file");
        form.Add(file, "file", "customer.pem");
        form.Add(new StringContent("customer"), "kind");
        using var imported = await admin.Send(HttpMethod.Post, "certificates", form);
        var thumbprint = (await ApiClient.Body(imported, HttpStatusCode.Created)).GetProperty("certificates")[0].GetProperty("thumbprint").GetString()!;
        Assert.Equal(TestPki.Instance.Customer.Thumbprint, thumbprint);
        Assert.Contains((await admin.Ok("certificates")).GetProperty("certificates").EnumerateArray(), c => c.GetProperty("thumbprint").GetString() == thumbprint);
        Assert.Equal("Customer", (await admin.Ok($"certificates/{thumbprint}")).GetProperty("kind").GetString());

        using var ambiguous = new MultipartFormDataContent { { new ByteArrayContent(TestPki.Pem(TestPki.Instance.Ca)), "file", "ca.pem" }, { new StringContent("ca"), "kind" } };
        using var refused = await admin.Send(HttpMethod.Post, "certificates", ambiguous);
        Assert.True((await ApiClient.Problem(refused, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("kind", out _));
        using var notACertificate = new MultipartFormDataContent { { new ByteArrayContent("not a certificate"u8.ToArray()), "file", "x.pem" } };
        using var invalid = await admin.Send(HttpMethod.Post, "certificates", notACertificate);
        await ApiClient.Problem(invalid, HttpStatusCode.BadRequest);

        using var removed = await admin.Delete($"certificates/{thumbprint}");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using var gone = await admin.Get($"certificates/{thumbprint}");
        await ApiClient.Problem(gone, HttpStatusCode.NotFound);

        // Tokens: listed without the token itself; a revoked one is refused from then on.
        var agentToken = await admin.CreateToken("apicerts", "agent", "short-lived");
        using var agent = new ApiClient(fixture.Silo, agentToken);
        await agent.Ok("incidents");
        var listed = await admin.Ok("tokens");
        var entry = Assert.Single(listed.EnumerateArray(), t => t.GetProperty("name").GetString() == "short-lived");
        Assert.Equal("agent", entry.GetProperty("role").GetString());
        Assert.DoesNotContain(agentToken, listed.GetRawText());
        using var revoked = await admin.Delete("tokens/short-lived");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var refusedAfter = await agent.Get("incidents");
        Assert.Contains("revoked", (await ApiClient.Problem(refusedAfter, HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
        using var twice = await admin.Delete("tokens/short-lived");
        await ApiClient.Problem(twice, HttpStatusCode.NotFound);
        using var badRole = await admin.Post("tokens", new { name = "x", role = "operator" });
        Assert.True((await ApiClient.Problem(badRole, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("role", out _));
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MimeKit;
using Techmail.Mailboxes;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Api;

/// <summary>
/// A Service mailbox run end to end through the HTTP API alone, on a silo process with a real Dovecot and SMTP server:
/// add and enable it, poll, read the incident and download its attachment, answer with a file, solve it; rules set with
/// their ETag and tested on a posted message; the lists an admin reads beside it.
/// </summary>
public sealed class ApiIncidentTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    private const string Tenant = "apiwork";

    [Fact]
    public async Task An_agent_reads_downloads_answers_with_a_file_and_solves_incidents_over_http()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("apidesk", "apidesk-password");
        using var root = ApiClient.Operator(fixture.Silo);
        using var admin = new ApiClient(fixture.Silo, await root.CreateToken(Tenant, "admin", "work-admin"));
        using var agent = new ApiClient(fixture.Silo, await root.CreateToken(Tenant, "agent", "sam"));

        var settings = MailboxSettings.Empty(MailboxType.Service) with
        {
            Incoming = new IncomingSettings(MailProtocol.Pop3, "127.0.0.1", dovecot.Pop3Port, TlsMode.None, "apidesk", "apidesk-password", [], AllowPlaintextPassword: true),
            Outgoing = new OutgoingSettings("techmail@example.com", "support@example.com", null, "Example Support",
                new SmtpRelaySettings("127.0.0.1", smtp.Port, TlsMode.None, null, null)),
        };
        using var created = await admin.Post("mailboxes", new { name = "support", settings });
        using var enabled = await admin.Post("mailboxes/support/enable", ifMatch: ApiClient.ETag(created));
        await ApiClient.Body(enabled, HttpStatusCode.OK);

        using var rules = await admin.Send(HttpMethod.Put, "rules", Json("""
            {"rules": [{"name": "urgent", "match": "all", "conditions": [{"field": "subject", "op": "contains", "value": "urgent"}],
                        "actions": {"priority": "high", "addTags": ["urgent"]}}]}
            """), ifMatch: "\"0\"");
        Assert.Equal(1, (await ApiClient.Body(rules, HttpStatusCode.OK)).GetProperty("count").GetInt32());

        var invoice = RandomNumberGenerator.GetBytes(30_000);
        var first = Mail("URGENT: invoice wrong", "The invoice is wrong.", ("invoice.pdf", invoice));
        dovecot.Deliver("apidesk", TestMail.ToBytes(first));
        await PollAndWait(admin, 1);
        dovecot.Deliver("apidesk", TestMail.ToBytes(Mail("Second question", "Where is my parcel?")));
        await PollAndWait(admin, 2);

        // Newest first, a page at a time, with the CLI's filters.
        var page = await agent.Ok("incidents?limit=1");
        var newest = page.GetProperty("items")[0].GetProperty("reference").GetString()!;
        var next = await agent.Ok($"incidents?limit=1&cursor={Uri.EscapeDataString(page.GetProperty("next").GetString()!)}");
        var oldest = next.GetProperty("items")[0].GetProperty("reference").GetString()!;
        Assert.NotEqual(newest, oldest);
        Assert.Equal(oldest, Assert.Single((await agent.Ok("incidents?text=INVOICE")).GetProperty("items").EnumerateArray()).GetProperty("reference").GetString());
        using var badStatus = await agent.Get("incidents?status=closed");
        Assert.True((await ApiClient.Problem(badStatus, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("status", out _));

        var shown = await agent.Ok($"incidents/{oldest}");
        Assert.Equal("high", shown.GetProperty("incident").GetProperty("priority").GetString());
        Assert.Contains("The invoice is wrong.", shown.GetProperty("thread")[0].GetProperty("body").GetString());
        using var attachment = await agent.Get($"incidents/{oldest}/attachments/1");
        Assert.Equal(HttpStatusCode.OK, attachment.StatusCode);
        Assert.Equal(invoice, await attachment.Content.ReadAsByteArrayAsync());
        Assert.Equal("invoice.pdf", attachment.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var missing = await agent.Get($"incidents/{oldest}/attachments/2");
        await ApiClient.Problem(missing, HttpStatusCode.NotFound);
        using var nowhere = await agent.Get("incidents/261127-999999");
        await ApiClient.Problem(nowhere, HttpStatusCode.NotFound);
        using var notAReference = await agent.Get("incidents/not-a-reference");
        Assert.True((await ApiClient.Problem(notAReference, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("reference", out _));

        using var readBeforeReply = await agent.Get($"incidents/{oldest}");
        var staleTag = ApiClient.ETag(readBeforeReply);

        // The answer with a file, as a browser's form sends it: it reaches the SMTP server in the incident's thread.
        var steps = Encoding.UTF8.GetBytes("1. open the portal\n2. press renew\n");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("Fixed, see the steps."), "body" },
        };
        var file = new ByteArrayContent(steps);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "files", "steps.txt");
        using var replied = await agent.Send(HttpMethod.Post, $"incidents/{oldest}/replies", form);
        var receipt = await ApiClient.Body(replied, HttpStatusCode.Created);
        var sent = await smtp.WaitFor(m => $"<{m.Message.MessageId}>" == receipt.GetProperty("messageId").GetString(), TimeSpan.FromSeconds(30));
        Assert.Equal(["ann@customer.example"], sent.Recipients);
        Assert.Equal("support@example.com", sent.Message.From.Mailboxes.Single().Address);
        Assert.Equal(first.MessageId, sent.Message.InReplyTo);
        var sentFile = (MimePart)sent.Message.Attachments.Single();
        Assert.Equal("steps.txt", sentFile.FileName);
        using (var decoded = new MemoryStream())
        {
            await sentFile.Content!.DecodeToAsync(decoded);
            Assert.Equal(steps, decoded.ToArray());
        }

        var thread = (await agent.Ok($"incidents/{oldest}")).GetProperty("thread");
        var reply = thread.EnumerateArray().Last();
        Assert.Equal("Agent", reply.GetProperty("author").GetString());
        Assert.Equal("sam", reply.GetProperty("sender").GetString());
        using var empty = await agent.Post($"incidents/{oldest}/replies", new { body = " " });
        Assert.True((await ApiClient.Problem(empty, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("body", out _));

        // A change names the version it was made on: one read before the reply, or none, is refused; two made on the
        // same version at once, one passes; the incident grain decides, and nothing is overwritten.
        using var uncheckedChange = await agent.Patch($"incidents/{oldest}", new { status = "solved" });
        await ApiClient.Problem(uncheckedChange, (HttpStatusCode)428);
        using var staleChange = await agent.Patch($"incidents/{oldest}", new { status = "solved" }, ifMatch: staleTag);
        await ApiClient.Problem(staleChange, HttpStatusCode.PreconditionFailed);
        using var fresh = await agent.Get($"incidents/{oldest}");
        Assert.Equal("Waiting", (await ApiClient.Body(fresh, HttpStatusCode.OK)).GetProperty("incident").GetProperty("status").GetString());
        var racing = await Task.WhenAll(
            agent.Patch($"incidents/{oldest}", new { assignee = "sam" }, ifMatch: ApiClient.ETag(fresh)),
            agent.Patch($"incidents/{oldest}", new { assignee = "kim" }, ifMatch: ApiClient.ETag(fresh)));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], racing.Select(r => r.StatusCode).Order());
        var assigned = racing.Single(r => r.StatusCode == HttpStatusCode.OK);
        var assignee = (await ApiClient.Body(assigned, HttpStatusCode.OK)).GetProperty("assignee").GetString();
        using var solved = await agent.Patch($"incidents/{oldest}", new { status = "solved", queue = "billing" }, ifMatch: ApiClient.ETag(assigned));
        var solvedBody = await ApiClient.Body(solved, HttpStatusCode.OK);
        Assert.Equal("Solved", solvedBody.GetProperty("status").GetString());
        Assert.Equal(assignee, solvedBody.GetProperty("assignee").GetString());
        using var reread = await agent.Get($"incidents/{oldest}");
        Assert.Equal(ApiClient.ETag(solved), ApiClient.ETag(reread));
        Assert.Equal(oldest, Assert.Single((await agent.Ok("incidents?status=solved")).GetProperty("items").EnumerateArray()).GetProperty("reference").GetString());

        // An empty string clears a field to no value; a field left out stays.
        using var cleared = await agent.Patch($"incidents/{oldest}", new { queue = "", assignee = "" }, ifMatch: ApiClient.ETag(reread));
        var clearedBody = await ApiClient.Body(cleared, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, clearedBody.GetProperty("queue").ValueKind);
        Assert.Equal(JsonValueKind.Null, clearedBody.GetProperty("assignee").ValueKind);
        Assert.Equal("Solved", clearedBody.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, (await agent.Ok($"incidents/{oldest}")).GetProperty("incident").GetProperty("assignee").ValueKind);

        var contact = await agent.Ok("contacts/Ann@Customer.example");
        Assert.Equal("Ann Example", contact.GetProperty("contact").GetProperty("name").GetString());
        Assert.Equal(2, contact.GetProperty("incidents").GetArrayLength());

        // Rules tested on a posted message: Ann is a contact now, found out as 'rules test' does; nothing changes.
        using var tested = await admin.Send(HttpMethod.Post, "rules/test?mailbox=support",
            new ByteArrayContent(TestMail.ToBytes(Mail("Urgent again", "Hello."))) { Headers = { ContentType = new MediaTypeHeaderValue("message/rfc822") } });
        var outcome = await ApiClient.Body(tested, HttpStatusCode.OK);
        Assert.Equal(["urgent"], outcome.GetProperty("fired").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, (await agent.Ok("incidents")).GetProperty("items").GetArrayLength());

        // The mailbox as an admin watches it.
        var status = await admin.Ok("mailboxes/support/status");
        Assert.Equal(2, status.GetProperty("status").GetProperty("counts").GetProperty("accepted").GetInt32());
        Assert.Equal(0, status.GetProperty("backlog").GetProperty("waiting").GetInt32());
        var trace = await admin.Ok("mailboxes/support/trace?limit=10");
        Assert.Equal(2, trace.GetProperty("items").GetArrayLength());
        Assert.All(trace.GetProperty("items").EnumerateArray(), t => Assert.Equal("Accepted", t.GetProperty("verdict").GetString()));
        Assert.Contains((await admin.Ok("outbox?mailbox=support&state=sent")).GetProperty("items").EnumerateArray(), o => o.GetProperty("reference").GetString() == oldest);
        Assert.Equal(0, (await admin.Ok("quarantine")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Rules_are_set_on_their_etag_validated_with_the_json_path_at_fault_and_listed()
    {
        using var root = ApiClient.Operator(fixture.Silo);
        const string rules = "rules?tenant=apirules";
        using var initial = await root.Get(rules);
        Assert.Equal("\"0\"", ApiClient.ETag(initial));

        const string document = """{"rules": [{"name": "vip", "match": "any", "conditions": [{"field": "from", "op": "contains", "value": "@vip.example"}], "actions": {"queue": "vip"}}]}""";
        using var unchecked_ = await root.Send(HttpMethod.Put, rules, Json(document));
        await ApiClient.Problem(unchecked_, (HttpStatusCode)428);
        using var set = await root.Send(HttpMethod.Put, rules, Json(document), ifMatch: ApiClient.ETag(initial));
        var version = ApiClient.ETag(set);
        Assert.Equal("\"1\"", version);
        using var stale = await root.Send(HttpMethod.Put, rules, Json("""{"rules": []}"""), ifMatch: "\"0\"");
        await ApiClient.Problem(stale, HttpStatusCode.PreconditionFailed);
        using var stored = await root.Get(rules);
        Assert.Equal(version, ApiClient.ETag(stored));
        Assert.Equal("vip", JsonDocument.Parse(await stored.Content.ReadAsStringAsync()).RootElement.GetProperty("rules")[0].GetProperty("name").GetString());

        // Validation stores nothing and names the JSON path of each problem.
        using var invalid = await root.Send(HttpMethod.Post, "rules/validate?tenant=apirules",
            Json("""{"rules": [{"name": "bad", "match": "all", "conditions": [{"field": "subject", "op": "resembles", "value": "x"}], "actions": {"queue": "q"}}]}"""));
        var problem = await ApiClient.Problem(invalid, HttpStatusCode.BadRequest);
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name.StartsWith("rules[0].conditions[0]", StringComparison.Ordinal));
        using var valid = await root.Send(HttpMethod.Post, "rules/validate?tenant=apirules", Json("""{"rules": []}"""));
        Assert.Equal(0, (await ApiClient.Body(valid, HttpStatusCode.OK)).GetArrayLength());
        using var stillOne = await root.Get(rules);
        Assert.Equal(version, ApiClient.ETag(stillOne));
        Assert.Equal("vip", Assert.Single((await root.Ok("rules/summary?tenant=apirules")).EnumerateArray()).GetProperty("name").GetString());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Polls through the API and waits, on the API's own lists, until the mail became incidents.</summary>
    private static async Task PollAndWait(ApiClient admin, int incidents)
    {
        using var poll = await admin.Post("mailboxes/support/poll");
        await ApiClient.Body(poll, HttpStatusCode.Accepted);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await admin.Ok("incidents")).GetProperty("items").GetArrayLength() < incidents)
        {
            Assert.True(DateTime.UtcNow < deadline, "the incidents were not built within 60 s");
            await Task.Delay(250);
        }
    }

    private static MimeMessage Mail(string subject, string body, params (string Name, byte[] Content)[] files)
    {
        var builder = new BodyBuilder { TextBody = body };
        foreach (var (name, content) in files)
        {
            builder.Attachments.Add(name, content);
        }

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Ann Example", "ann@customer.example"));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("customer.example");
        message.Body = builder.ToMessageBody();
        return message;
    }
}

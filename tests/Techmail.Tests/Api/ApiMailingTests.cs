using System.Net;
using System.Text.Json;
using Techmail.Mailboxes;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Api;

/// <summary>
/// Mailings over HTTP on a silo process, with the real SMTP sink as the Marketing mailbox's relay: an admin sends one,
/// follows it to the end and finds each recipient's mail at the relay with its VERP sender; an agent is refused by the
/// access filter; a list with a bad line and an unknown mailing are problem details like the rest of the API.
/// </summary>
public sealed class ApiMailingTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    private const string Template = "Subject: Hello {first}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello {first}.\r\n";

    [Fact]
    public async Task An_admin_sends_a_mailing_over_http_and_each_recipient_gets_one_mail_with_its_own_bounce_address()
    {
        await using var smtp = await SmtpSink.Start();
        using var root = ApiClient.Operator(fixture.Silo);
        using var admin = new ApiClient(fixture.Silo, await root.CreateToken("apimailing", "admin", "mailing-admin"));
        using var agent = new ApiClient(fixture.Silo, await root.CreateToken("apimailing", "agent", "mailing-agent"));
        var settings = MailboxSettings.Empty(MailboxType.Marketing) with
        {
            Outgoing = new OutgoingSettings("bounces@news.example", "news@news.example", null, "Example News",
                new SmtpRelaySettings("127.0.0.1", smtp.Port, TlsMode.None, null, null)),
        };
        using var created = await admin.Post("mailboxes", new { name = "news", settings });
        await ApiClient.Body(created, HttpStatusCode.Created);

        // A disabled mailbox's outbox sends nothing, so a mailing through it is refused rather than left waiting.
        var recipients = "email,first\nann@customers.example,Ann\nbob@customers.example,Bob\nann@customers.example,Ann\n";
        using var disabled = await admin.Post("mailings", new { mailbox = "news", name = "early", message = Template, recipients });
        Assert.Contains("is disabled", (await ApiClient.Problem(disabled, HttpStatusCode.BadRequest)).GetRawText(), StringComparison.Ordinal);
        var etag = ApiClient.ETag(await admin.Get("mailboxes/news"));
        using var enabled = await admin.Post("mailboxes/news/enable", ifMatch: etag);
        Assert.True(enabled.IsSuccessStatusCode, await enabled.Content.ReadAsStringAsync());

        using var refused = await agent.Post("mailings", new { mailbox = "news", name = "refused", message = Template, recipients });
        await ApiClient.Problem(refused, HttpStatusCode.Forbidden);

        using var bad = await admin.Post("mailings", new { mailbox = "news", name = "bad", message = Template, recipients = "email\nnot an address\n" });
        var problem = await ApiClient.Problem(bad, HttpStatusCode.BadRequest);
        Assert.Contains("not an address", problem.GetRawText(), StringComparison.Ordinal);

        using var sent = await admin.Post("mailings", new { mailbox = "news", name = "hello", message = Template, recipients });
        var id = (await ApiClient.Body(sent, HttpStatusCode.Created)).GetProperty("mailing").GetProperty("id").GetInt64();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonElement report;
        while ((report = await admin.Ok($"mailings/{id}")).GetProperty("sent").GetInt64() < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the mailing did not send within 90 s: {report}");
            await Task.Delay(250);
        }

        Assert.Equal(1, report.GetProperty("duplicates").GetInt64());
        Assert.Equal(1, smtp.CountTo("ann@customers.example"));
        Assert.Equal(1, smtp.CountTo("bob@customers.example"));
        var toBob = smtp.Messages.Single(m => m.Recipients.Contains("bob@customers.example"));
        Assert.StartsWith("bounces+m", toBob.EnvelopeFrom, StringComparison.Ordinal);
        Assert.EndsWith("@news.example", toBob.EnvelopeFrom, StringComparison.Ordinal);
        Assert.Contains("Subject: Hello Bob", System.Text.Encoding.UTF8.GetString(toBob.Raw), StringComparison.Ordinal);

        var listed = await admin.Ok("mailings");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), m => m.GetProperty("id").GetInt64() == id);
        using var agentReads = await agent.Get($"mailings/{id}");
        Assert.Equal(HttpStatusCode.Forbidden, agentReads.StatusCode);
        using var unknown = await admin.Get("mailings/999999");
        await ApiClient.Problem(unknown, HttpStatusCode.NotFound);

        // The one-click link needs no sign-in: a tenant that never sent a mailing, or a made-up tag, unsubscribes nobody.
        using var anyone = new HttpClient { BaseAddress = fixture.Silo.Http };
        foreach (var path in new[] { "unsubscribe/never-mailed/m1-1-0-abcdefghijklm", "unsubscribe/apimailing/m1-1-0-abcdefghijklm" })
        {
            using var forged = await anyone.PostAsync(path, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        }
    }
}

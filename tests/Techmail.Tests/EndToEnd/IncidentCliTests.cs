using System.Security.Cryptography;
using System.Text.Json;
using MimeKit;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>Incidents through the real client and a silo process, with a real Dovecot and SMTP server.</summary>
public sealed class IncidentCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task An_agent_lists_reads_answers_and_solves_incidents_and_tests_rules_with_the_real_client()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        using var dir = new TempDirectory("techmail-incident-cli");
        dovecot.AddUser("helpdesk", "helpdesk-password");
        var cli = fixture.Cli("incidentcli");
        await cli.Ok("mailbox", "add", "support", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "helpdesk", "--password", "helpdesk-password",
            "--envelope-from", "techmail@example.com", "--friendly-from", "support@example.com", "--display-name", "Example Support",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
        var rules = dir.File("rules.json");
        await File.WriteAllTextAsync(rules,
            """
            {"rules": [
              {"name": "urgent", "match": "all", "conditions": [{"field": "subject", "op": "contains", "value": "urgent"}],
               "actions": {"priority": "high", "addTags": ["urgent"]}},
              {"name": "returning", "match": "all", "conditions": [{"field": "contactKnown"}], "actions": {"addTags": ["returning"]}}
            ]}
            """);
        await cli.Ok("rules", "import", rules);

        var invoice = RandomNumberGenerator.GetBytes(30_000);
        var first = Mail("URGENT: invoice wrong", "The invoice is wrong.", ("invoice.pdf", invoice));
        // Two polls, so which mail is newer does not depend on the order the server lists two mails of one second.
        dovecot.Deliver("helpdesk", TestMail.ToBytes(first));
        await cli.Ok("mailbox", "poll", "support", "--wait");
        await Incidents(cli, 1);
        dovecot.Deliver("helpdesk", TestMail.ToBytes(Mail("Second question", "Where is my parcel?")));
        await cli.Ok("mailbox", "poll", "support", "--wait");
        var incidents = await Incidents(cli, 2);

        // Newest first; a page of one says where the next starts.
        var newest = incidents[0].GetProperty("reference").GetString()!;
        var oldest = incidents[1].GetProperty("reference").GetString()!;
        Assert.Equal("Second question", incidents[0].GetProperty("subject").GetString());
        var paged = JsonDocument.Parse(await cli.Ok("incident", "list", "--limit", "1", "--json")).RootElement;
        Assert.Equal(newest, paged.GetProperty("next").GetString());
        Assert.Equal(oldest, JsonDocument.Parse(await cli.Ok("incident", "list", "--before", newest, "--json")).RootElement
            .GetProperty("incidents")[0].GetProperty("reference").GetString());
        Assert.Contains(oldest, await cli.Ok("incident", "list", "--text", "INVOICE"));

        var shown = JsonDocument.Parse(await cli.Ok("incident", "show", oldest, "--json")).RootElement;
        Assert.Equal("high", shown.GetProperty("incident").GetProperty("priority").GetString());
        Assert.Equal(["urgent"], shown.GetProperty("incident").GetProperty("rulesFired").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("The invoice is wrong.", shown.GetProperty("thread")[0].GetProperty("body").GetString());
        Assert.Contains("invoice.pdf", await cli.Ok("incident", "show", oldest));

        var saved = dir.File("saved.pdf");
        await cli.Ok("incident", "attachment", oldest, "1", "--out", saved);
        Assert.Equal(invoice, await File.ReadAllBytesAsync(saved));
        Assert.Equal(1, (await cli.Run("incident", "attachment", oldest, "2", "--out", saved)).ExitCode);

        // The acknowledgements went out; the agent's reply follows with a file, and the incident is solved.
        await smtp.WaitFor(m => m.Message.Subject == $"[Incident: {oldest}] URGENT: invoice wrong", TimeSpan.FromSeconds(30));
        var steps = dir.File("steps.txt");
        await File.WriteAllTextAsync(steps, "1. open the portal");
        var receipt = JsonDocument.Parse(await cli.Ok("incident", "reply", oldest, "--body", "Fixed, see the steps.", "--attach", steps, "--agent", "sam", "--json")).RootElement;
        var reply = await smtp.WaitFor(m => $"<{m.Message.MessageId}>" == receipt.GetProperty("messageId").GetString(), TimeSpan.FromSeconds(30));
        Assert.Equal(["ann@customer.example"], reply.Recipients);
        Assert.Equal("steps.txt", reply.Message.Attachments.Single().ContentDisposition!.FileName);
        Assert.Equal(first.MessageId, reply.Message.InReplyTo);
        await cli.Ok("incident", "update", oldest, "--status", "solved", "--queue", "billing");
        var solved = JsonDocument.Parse(await cli.Ok("incident", "list", "--status", "solved", "--json")).RootElement.GetProperty("incidents");
        Assert.Equal(oldest, Assert.Single(solved.EnumerateArray()).GetProperty("reference").GetString());

        var contact = JsonDocument.Parse(await cli.Ok("contact", "show", "Ann@Customer.example", "--json")).RootElement;
        Assert.Equal("Ann Example", contact.GetProperty("contact").GetProperty("name").GetString());
        Assert.Equal(2, contact.GetProperty("incidents").GetArrayLength());

        // Ann is a contact now: `rules test` finds that out by itself, unless told otherwise.
        var file = dir.File("next.eml");
        await File.WriteAllBytesAsync(file, TestMail.ToBytes(Mail("Another one", "Hello again.")));
        var known = JsonDocument.Parse(await cli.Ok("rules", "test", file, "--mailbox", "support", "--json")).RootElement;
        Assert.Equal(["returning"], known.GetProperty("fired").EnumerateArray().Select(e => e.GetString()));
        var unknown = JsonDocument.Parse(await cli.Ok("rules", "test", file, "--mailbox", "support", "--contact-unknown", "--json")).RootElement;
        Assert.Empty(unknown.GetProperty("fired").EnumerateArray());

        Assert.Equal(1, (await cli.Run("incident", "show", "261127-999999")).ExitCode);
        Assert.Equal(2, (await cli.Run("incident", "show", "not-a-reference")).ExitCode);
        Assert.Equal(2, (await cli.Run("incident", "list", "--status", "closed")).ExitCode);
    }

    [Fact]
    public async Task Incident_show_gives_each_customers_reply_text_and_full_the_whole_body()
    {
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("replies", "replies-password");
        var cli = fixture.Cli("replycli");
        await cli.Ok("mailbox", "add", "support", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "replies", "--password", "replies-password", "--no-outgoing", "--enable");
        dovecot.Deliver("replies", TestMail.ToBytes(Mail("Re: Your order", "It arrived, thanks.\n\nOn Mon, 7 Dec 2026 at 09:00, Shop <shop@example.com> wrote:\n> Your order has shipped.")));
        await cli.Ok("mailbox", "poll", "support", "--until-built");
        var reference = (await Incidents(cli, 1))[0].GetProperty("reference").GetString()!;

        var shown = await cli.Ok("incident", "show", reference);
        Assert.Contains("It arrived, thanks.", shown);
        Assert.DoesNotContain("Your order has shipped.", shown);
        Assert.Contains("--full shows them", shown);
        var full = await cli.Ok("incident", "show", reference, "--full");
        Assert.Contains("It arrived, thanks.", full);
        Assert.Contains("> Your order has shipped.", full);
        var json = JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement.GetProperty("thread")[0];
        Assert.Equal("It arrived, thanks.", json.GetProperty("replyText").GetString());
        Assert.Contains("> Your order has shipped.", json.GetProperty("body").GetString());
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

    private static Task<JsonElement> Incidents(Cli cli, int count) => Eventually(async () =>
    {
        var page = JsonDocument.Parse(await cli.Ok("incident", "list", "--json")).RootElement.GetProperty("incidents");
        return page.GetArrayLength() == count ? page : (JsonElement?)null;
    });

    private static async Task<T> Eventually<T>(Func<Task<T?>> probe)
        where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("the incidents were not built within 60 s");
    }
}

using System.Text;
using System.Text.Json;
using Techmail.Tests.Support;
using static Techmail.Tests.Mailings.MailingCommands;

namespace Techmail.Tests.Mailings;

/// <summary>
/// Issue 23's scenario through the real client, a real silo process, the real SMTP sink as relay and the real Dovecot
/// as the Marketing mailbox's server: suppression, refusals at RCPT, bounces that come back as DSNs (by VERP and by
/// Message-ID), soft bounces retried and delivered, an ARF complaint and a one-click unsubscribe, each on its recipient.
/// </summary>
public sealed class MailingEndToEndTests
{
    [Fact]
    public async Task A_mailing_of_50_suppresses_sends_once_and_attributes_every_bounce_complaint_and_unsubscribe_to_its_recipient()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("news", "news-password");
        using var data = new TempDirectory("techmail-mailing");
        using var files = new TempDirectory("techmail-mailing-files");
        // Soft bounces are retried a second after they are read, not an hour. The public URL is https, as behind a
        // TLS-terminating proxy (one-click needs it); the test posts to the silo's own http address with the same path.
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:MailingRetryDelaysSeconds=1", "--Techmail:PublicUrl=https://mail.example.test"]);
        var cli = new Cli(silo.Gateway);
        await cli.Ok("mailbox", "add", "news", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "news", "--password", "news-password",
            "--envelope-from", "bounces@example.com", "--friendly-from", "news@example.com", "--display-name", "Example News",
            "--reply-to", "hello@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none",
            "--poll-interval", "60m", "--enable");
        var message = files.File("november.eml");
        await File.WriteAllTextAsync(message, """
            Subject: November news for {first}
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain; charset=utf-8

            Hello {first}, this is the news for {email}.
            --alt
            Content-Type: text/html; charset=utf-8

            <p>Hello {first}, this is the news.</p>
            --alt--
            """.ReplaceLineEndings("\r\n"));

        // Five addresses flagged invalid beforehand, the way a real relay's refusals flag them.
        string[] invalid = [.. Enumerable.Range(45, 5).Select(Address)];
        foreach (var address in invalid)
        {
            smtp.RefuseRecipient(address, 550, $"5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table");
        }

        var earlier = await Send(cli, files, "earlier", message, invalid);
        var before = await Until(cli, earlier, r => r.GetProperty("mailing").GetProperty("state").GetString() == "Finished");
        Assert.Equal(5, before.GetProperty("bouncedHard").GetInt64());
        foreach (var address in invalid)
        {
            Assert.True(JsonDocument.Parse(await cli.Ok("contact", "show", address, "--json")).RootElement.GetProperty("invalid").GetBoolean(), address);
        }

        // The mailing: 50 addresses (the 5 invalid among them) and one listed twice; 3 refused by the relay at RCPT.
        string[] refused = [Address(10), Address(11), Address(12)];
        foreach (var address in refused)
        {
            smtp.RefuseRecipient(address, 550, "5.1.1 User unknown");
        }

        var list = Enumerable.Range(0, 50).Select(Address).Append(Address(3)).ToArray();
        var mailing = await Send(cli, files, "november", message, list);
        var sent = await Until(cli, mailing, r => r.GetProperty("pending").GetInt64() == 0 && r.GetProperty("queued").GetInt64() == 0);
        Assert.Equal(51, sent.GetProperty("listed").GetInt64());
        Assert.Equal(1, sent.GetProperty("duplicates").GetInt64());
        Assert.Equal(5, sent.GetProperty("suppressed").GetInt64());
        Assert.Equal(5, sent.GetProperty("suppressedBy").GetProperty("invalid").GetInt64());
        Assert.Equal(42, sent.GetProperty("sent").GetInt64());
        Assert.Equal(3, sent.GetProperty("bouncedHard").GetInt64());
        var ofMailing = smtp.Messages.Where(m => (m.Message.Subject ?? "").StartsWith("November news", StringComparison.Ordinal)).ToList();
        Assert.Equal(42, ofMailing.Count);
        Assert.Equal(42, ofMailing.Select(m => m.Recipients.Single()).Distinct().Count());
        Assert.Equal(1, smtp.CountTo(Address(3)));

        // What each recipient's mail carries: the branded identity, the merge, a VERP sender, the unsubscribe headers.
        var first = Mail(smtp, Address(0));
        Assert.Equal("November news for First0", first.Message.Subject);
        Assert.Equal("\"Example News\" <news@example.com>", first.Message.From.ToString());
        Assert.Equal("hello@example.com", first.Message.ReplyTo.Mailboxes.Single().Address);
        Assert.Contains("Hello First0, this is the news for r00@example.net.", first.Message.TextBody);
        Assert.StartsWith("bounces+m", first.EnvelopeFrom);
        Assert.EndsWith("@example.com", first.EnvelopeFrom);
        Assert.Equal(first.EnvelopeFrom.ToLowerInvariant(), first.EnvelopeFrom);
        Assert.Equal("List-Unsubscribe=One-Click", first.Message.Headers["List-Unsubscribe-Post"]);
        Assert.Contains($"<mailto:{first.EnvelopeFrom}?subject=unsubscribe>", first.Message.Headers["List-Unsubscribe"]);
        Assert.NotNull(first.Message.Headers["Feedback-ID"]);

        // Bounces come back later as DSNs at the mailbox: two hard (one to the VERP address with a Message-ID that is not
        // ours, one to the plain bounce address naming only the Message-ID), two soft, one complaint.
        var hardByVerp = Mail(smtp, Address(20));
        dovecot.Deliver("news", TestBounces.Dsn(Address(20), "5.1.1", $"550 5.1.1 <{Address(20)}>: Recipient address rejected: User unknown in virtual mailbox table", returnPath: hardByVerp.EnvelopeFrom.ToUpperInvariant()));
        var hardById = Mail(smtp, Address(21));
        dovecot.Deliver("news", TestBounces.HardUserUnknown(Address(21), $"<{hardById.Message.MessageId}>"));
        foreach (var n in new[] { 22, 23 })
        {
            var soft = Mail(smtp, Address(n));
            dovecot.Deliver("news", TestBounces.Dsn(Address(n), "4.2.2", $"452 4.2.2 <{Address(n)}>: Mailbox full, quota exceeded", returnPath: soft.EnvelopeFrom));
        }

        var complained = Mail(smtp, Address(24));
        dovecot.Deliver("news", TestBounces.Complaint(Address(24), $"<{complained.Message.MessageId}>", returnPath: complained.EnvelopeFrom));
        await cli.Ok("mailbox", "poll", "news", "--wait");

        // The soft-bounced two are sent again and not bounced again: delivered.
        var after = await Until(cli, mailing, r => r.GetProperty("retries").GetInt64() == 2 && r.GetProperty("retrying").GetInt64() == 0
            && r.GetProperty("queued").GetInt64() == 0 && r.GetProperty("complaints").GetInt64() == 1);
        Assert.Equal(2, smtp.CountTo(Address(22)));
        Assert.Equal(2, smtp.CountTo(Address(23)));

        // One click: a GET only shows the button, the POST (RFC 8058) unsubscribes, and a second POST changes nothing.
        var published = Unsubscribe(Mail(smtp, Address(25)));
        Assert.StartsWith("https://mail.example.test/unsubscribe/", published);
        var link = new Uri(silo.Http, new Uri(published).PathAndQuery).ToString();
        using var http = new HttpClient();
        Assert.Contains("<form method=\"post\">", await http.GetStringAsync(link));
        Assert.Equal(0, (await Report(cli, mailing)).GetProperty("unsubscribes").GetInt64());
        for (var i = 0; i < 2; i++)
        {
            using var click = await http.PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            Assert.Equal(System.Net.HttpStatusCode.OK, click.StatusCode);
        }

        using (var forged = await http.PostAsync(link[..^3] + "aaa", new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, forged.StatusCode);
        }

        var final = await Report(cli, mailing);
        Assert.Equal(JsonValueKind.Null, final.GetProperty("oneClickLeftOut").ValueKind);
        Assert.Equal(42, final.GetProperty("sent").GetInt64());
        Assert.Equal(5, final.GetProperty("bouncedHard").GetInt64());
        Assert.Equal(2, final.GetProperty("softBounces").GetInt64());
        Assert.Equal(2, final.GetProperty("softBy").GetProperty("mailboxfull").GetInt64());
        Assert.Equal(2, final.GetProperty("retries").GetInt64());
        Assert.Equal(1, final.GetProperty("complaints").GetInt64());
        Assert.Equal(1, final.GetProperty("unsubscribes").GetInt64());
        Assert.Equal(0, final.GetProperty("failed").GetInt64());
        // None is delivered yet: the 40 not bounced wait out the 7-day retry window first.
        Assert.Equal(0, final.GetProperty("delivered").GetInt64());
        Assert.Equal(40, final.GetProperty("awaitingBounces").GetInt64());

        // Each on the right recipient.
        var lines = JsonDocument.Parse(await cli.Ok("mailing", "show", mailing, "--recipients", "--json")).RootElement.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(51, lines.Count);
        Assert.Equal("duplicate", lines[50].GetProperty("state").GetString());
        var recipients = lines.Take(50).ToDictionary(r => r.GetProperty("address").GetString()!, r => r);
        foreach (var address in refused.Append(Address(20)).Append(Address(21)))
        {
            Assert.Equal("bounced", recipients[address].GetProperty("state").GetString());
        }

        Assert.All(invalid, a => Assert.Equal("suppressed", recipients[a].GetProperty("state").GetString()));
        Assert.All(new[] { Address(22), Address(23) }, a =>
        {
            Assert.Equal("sent", recipients[a].GetProperty("state").GetString());
            Assert.Equal(2, recipients[a].GetProperty("attempts").GetInt32());
        });
        Assert.True(recipients[Address(24)].GetProperty("complained").GetBoolean());
        Assert.True(recipients[Address(25)].GetProperty("unsubscribed").GetBoolean());
        Assert.Equal(2, recipients.Values.Count(r => r.GetProperty("complained").GetBoolean() || r.GetProperty("unsubscribed").GetBoolean()));

        // The next mailing skips the complainant and the unsubscriber as opted out.
        var next = await Send(cli, files, "december", message, [Address(24), Address(25), Address(26)]);
        var nextReport = await Until(cli, next, r => r.GetProperty("mailing").GetProperty("state").GetString() == "Finished");
        Assert.Equal(2, nextReport.GetProperty("suppressedBy").GetProperty("opted out").GetInt64());
        Assert.Equal(1, nextReport.GetProperty("sent").GetInt64());

        var listed = JsonDocument.Parse(await cli.Ok("mailing", "list", "--json")).RootElement;
        Assert.Equal(3, listed.GetArrayLength());

        // Mailing ids are numbered across tenants; another tenant's admin sees none of this one's.
        var elsewhere = await new Cli(silo.Gateway, "elsewhere").Run("mailing", "show", mailing, "--recipients", "--json");
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains($"mailing {mailing} does not exist", elsewhere.Stderr);
    }

    private static string Address(int n) => $"r{n:00}@example.net";

    private static string Unsubscribe(ReceivedMail mail) =>
        mail.Message.Headers["List-Unsubscribe"]!.Split(',').Select(p => p.Trim().Trim('<', '>')).Single(p => p.StartsWith("http", StringComparison.Ordinal));

    private static async Task<string> Send(Cli cli, TempDirectory files, string name, string message, IReadOnlyList<string> addresses)
    {
        var list = files.File($"{name}.csv");
        var csv = new StringBuilder("email,first\n");
        foreach (var address in addresses)
        {
            csv.Append(address).Append(",First").Append(int.Parse(address[1..3])).Append('\n');
        }

        await File.WriteAllTextAsync(list, csv.ToString());
        return await MailingCommands.Send(cli, "news", list, message, name);
    }
}

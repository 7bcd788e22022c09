using System.Text.Json;
using Techmail.Tests.Support;
using static Techmail.Tests.Mailings.MailingCommands;

namespace Techmail.Tests.Mailings;

/// <summary>
/// Recipients waiting for a soft-bounce retry who then complain (ARF), unsubscribe (mailto or one-click), hard-bounce,
/// or whose address another mailing's relay refusal flags invalid meanwhile are never mailed again; a recipient with
/// none of these is. Real silo process, real client, the real SMTP sink as relay and the real Dovecot as the Marketing
/// mailbox's server.
/// </summary>
public sealed class RetryEndsTests
{
    // Long enough for the test to do all five things to the waiting recipients before their retry comes due.
    private const int RetrySeconds = 60;

    [Fact]
    public async Task A_complaint_unsubscribe_hard_bounce_or_invalid_flag_ends_a_waiting_retry_and_only_the_others_are_sent_again()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("news", "news-password");
        using var data = new TempDirectory("techmail-retry-ends");
        using var files = new TempDirectory("techmail-retry-ends-files");
        // The one-click link is https, as behind a TLS-terminating proxy; the test posts to the silo's own http address.
        await using var silo = await SiloProcess.Start(data.Path, extraArgs:
            [$"--Techmail:MailingRetryDelaysSeconds={RetrySeconds}", "--Techmail:PublicUrl=https://mail.example.test"]);
        var cli = new Cli(silo.Gateway);
        await cli.Ok("mailbox", "add", "news", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "news", "--password", "news-password",
            "--envelope-from", "bounces@example.com", "--friendly-from", "news@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--poll-interval", "60m", "--enable");
        var message = files.File("offer.eml");
        await File.WriteAllTextAsync(message, "Subject: An offer\r\nContent-Type: text/plain\r\n\r\nFor {email}.\r\n");
        string[] everyone = [.. Enumerable.Range(0, 6).Select(Address)];
        var (complains, mailto, oneClick, hard, flagged, control) = (everyone[0], everyone[1], everyone[2], everyone[3], everyone[4], everyone[5]);
        var list = files.File("list.txt");
        await File.WriteAllTextAsync(list, string.Join('\n', everyone));
        var mailing = await Send(cli, "news", list, message, "offer");
        await Until(cli, mailing, r => r.GetProperty("sent").GetInt64() == 6 && r.GetProperty("queued").GetInt64() == 0);

        // Every mailbox is full: all six wait for a retry.
        foreach (var address in everyone)
        {
            dovecot.Deliver("news", TestBounces.Dsn(address, "4.2.2", $"452 4.2.2 <{address}>: Mailbox full, quota exceeded", returnPath: Mail(smtp, address).EnvelopeFrom));
        }

        await cli.Ok("mailbox", "poll", "news", "--wait");
        await Until(cli, mailing, r => r.GetProperty("retrying").GetInt64() == 6);

        // While they wait: an ARF complaint, a mailto unsubscribe, a one-click unsubscribe, a hard bounce, and another
        // mailing whose relay refuses one address at RCPT, which flags it invalid.
        var first = Mail(smtp, complains);
        dovecot.Deliver("news", TestBounces.Complaint(complains, $"<{first.Message.MessageId}>", returnPath: first.EnvelopeFrom));
        var link = MailtoUnsubscribeTests.Mailto(Mail(smtp, mailto));
        dovecot.Deliver("news", MailtoUnsubscribeTests.Request(mailto, link.To, link.Subject, "", ""));
        dovecot.Deliver("news", TestBounces.Dsn(hard, "5.1.1", $"550 5.1.1 <{hard}>: Recipient address rejected: User unknown", returnPath: Mail(smtp, hard).EnvelopeFrom));
        var click = OneClickLink(Mail(smtp, oneClick));
        Assert.StartsWith("https://mail.example.test/unsubscribe/", click);
        using (var http = new HttpClient { BaseAddress = silo.Http })
        using (var posted = await http.PostAsync(new Uri(click).PathAndQuery.TrimStart('/'), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, posted.StatusCode);
        }

        smtp.RefuseRecipient(flagged, 550, "5.1.1 User unknown");
        var otherList = files.File("other.txt");
        await File.WriteAllTextAsync(otherList, flagged);
        var other = await Send(cli, "news", otherList, message, "other");
        Assert.Equal(1, (await Until(cli, other, Finished)).GetProperty("bouncedHard").GetInt64());
        Assert.True(JsonDocument.Parse(await cli.Ok("contact", "show", flagged, "--json")).RootElement.GetProperty("invalid").GetBoolean());
        await cli.Ok("mailbox", "poll", "news", "--wait");

        // Only the control recipient's retry is made; the mailing then has nothing left to wait for.
        var report = await Until(cli, mailing, r => Finished(r) && r.GetProperty("retries").GetInt64() == 1);
        Assert.Equal(2, smtp.CountTo(control));
        // The relay refused the other mailing's mail to the flagged address, so each of the five has its first mail only.
        Assert.All(everyone[..5], a => Assert.Equal(1, smtp.CountTo(a)));
        Assert.Equal(0, report.GetProperty("retrying").GetInt64());
        Assert.Equal(4, report.GetProperty("suppressed").GetInt64());
        Assert.Equal(3, report.GetProperty("suppressedBy").GetProperty("opted out").GetInt64());
        Assert.Equal(1, report.GetProperty("suppressedBy").GetProperty("invalid").GetInt64());
        Assert.Equal(1, report.GetProperty("bouncedHard").GetInt64());
        Assert.Equal(1, report.GetProperty("complaints").GetInt64());
        Assert.Equal(2, report.GetProperty("unsubscribes").GetInt64());
        Assert.Equal(6, report.GetProperty("sent").GetInt64());

        var recipients = await Recipients(cli, mailing);
        foreach (var (address, state, detail) in new[]
        {
            (complains, "suppressed", "opted out"), (mailto, "suppressed", "opted out"), (oneClick, "suppressed", "opted out"),
            (hard, "bounced", "userunknown"), (flagged, "suppressed", "invalid"),
        })
        {
            Assert.Equal((state, detail, 1), (recipients[address].GetProperty("state").GetString(), recipients[address].GetProperty("detail").GetString(), recipients[address].GetProperty("attempts").GetInt32()));
        }

        Assert.Equal(("sent", 2), (recipients[control].GetProperty("state").GetString(), recipients[control].GetProperty("attempts").GetInt32()));
        Assert.True(recipients[complains].GetProperty("complained").GetBoolean());
        Assert.True(recipients[mailto].GetProperty("unsubscribed").GetBoolean());
        Assert.True(recipients[oneClick].GetProperty("unsubscribed").GetBoolean());
    }

    private static string Address(int n) => $"w{n}@example.net";

    private static string OneClickLink(ReceivedMail mail) =>
        mail.Message.Headers["List-Unsubscribe"]!.Split(',').Select(p => p.Trim().Trim('<', '>')).Single(p => p.StartsWith("http", StringComparison.Ordinal));
}

using System.Text;
using System.Text.Json;
using Techmail.Tests.Support;
using static Techmail.Tests.Mailings.MailingCommands;

namespace Techmail.Tests.Mailings;

/// <summary>
/// The <c>List-Unsubscribe</c> mailto link end to end: mail clients answer it the way they do, the mail reaches the
/// Marketing mailbox's real Dovecot, the mailbox polls it, and the recipient counts as unsubscribed and is suppressed in
/// the next mailing. A request whose VERP tag does not verify, or that turns a real tag against someone else,
/// unsubscribes nobody. Real silo process, real client, real SMTP sink as the relay.
/// </summary>
public sealed class MailtoUnsubscribeTests
{
    [Fact]
    public async Task A_mailto_unsubscribe_from_the_recipient_unsubscribes_it_and_a_forged_or_misdirected_one_nobody()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("news", "news-password");
        using var data = new TempDirectory("techmail-mailto");
        using var files = new TempDirectory("techmail-mailto-files");
        await using var silo = await SiloProcess.Start(data.Path);
        var cli = new Cli(silo.Gateway);
        await cli.Ok("mailbox", "add", "news", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "news", "--password", "news-password",
            "--envelope-from", "bounces@example.com", "--friendly-from", "news@example.com", "--display-name", "Example News",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--poll-interval", "60m", "--enable");
        var message = files.File("weekly.eml");
        await File.WriteAllTextAsync(message, "Subject: Weekly news\r\nContent-Type: text/plain\r\n\r\nThe week's news for {email}.\r\n");
        string[] everyone = [.. Enumerable.Range(0, 5).Select(Address)];
        var list = files.File("list.txt");
        await File.WriteAllTextAsync(list, string.Join('\n', everyone));

        // The silo's public URL is the http fallback: one-click (RFC 8058, https only) is left out, and said so.
        var started = await cli.Run("mailing", "send", "--mailbox", "news", "--recipients", list, "--message", message, "--name", "weekly");
        Assert.Equal(0, started.ExitCode);
        Assert.Contains("One-click unsubscribe left out: Techmail:PublicUrl must be https", started.Stderr);
        var weekly = started.Stdout.Trim();
        var sentReport = await Until(cli, weekly, r => Finished(r) && r.GetProperty("sent").GetInt64() == 5);
        Assert.Contains("must be https", sentReport.GetProperty("oneClickLeftOut").GetString());
        Assert.Contains("one-click unsubscribe left out: Techmail:PublicUrl must be https", await cli.Ok("mailing", "show", weekly));
        Assert.All(everyone, a =>
        {
            var headers = Mail(smtp, a).Message.Headers;
            Assert.Null(headers["List-Unsubscribe-Post"]);
            Assert.StartsWith("<mailto:", headers["List-Unsubscribe"]);
            Assert.DoesNotContain("http", headers["List-Unsubscribe"]);
        });

        // Apple Mail: marked automatic, with a sentence of body. A plainer client: the link's subject and no body at all.
        var apple = Mailto(Mail(smtp, Address(0)));
        dovecot.Deliver("news", Request(Address(0), apple.To, apple.Subject, "Auto-Submitted: auto-replied\r\nX-Apple-Unsubscribe: true\r\n",
            "Apple Mail sent this email to unsubscribe from the message \"Weekly news\".\r\n"));
        var bare = Mailto(Mail(smtp, Address(1)));
        dovecot.Deliver("news", Request(Address(1), bare.To, bare.Subject, $"Delivered-To: {bare.To}\r\n", ""));

        // Forged: a tag whose signature is not ours. Misdirected: a real tag (r03's), sent by someone else (r04).
        var real = Mailto(Mail(smtp, Address(2))).To;
        var at = real.IndexOf('@');
        var forged = real[..(at - 1)] + (real[at - 1] == 'a' ? 'b' : 'a') + real[at..];
        dovecot.Deliver("news", Request(Address(2), forged, "unsubscribe", "Auto-Submitted: auto-replied\r\nX-Apple-Unsubscribe: true\r\n", "Unsubscribe me.\r\n"));
        dovecot.Deliver("news", Request(Address(4), Mailto(Mail(smtp, Address(3))).To, "unsubscribe", "", ""));

        await cli.Ok("mailbox", "poll", "news", "--wait");
        var report = await Until(cli, weekly, r => r.GetProperty("unsubscribes").GetInt64() >= 2);
        var recipients = await Recipients(cli, weekly);
        Assert.True(recipients[Address(0)].GetProperty("unsubscribed").GetBoolean());
        Assert.True(recipients[Address(1)].GetProperty("unsubscribed").GetBoolean());
        Assert.All(everyone[2..], a => Assert.False(recipients[a].GetProperty("unsubscribed").GetBoolean(), a));
        Assert.Equal(2, report.GetProperty("unsubscribes").GetInt64());
        Assert.Equal(0, report.GetProperty("complaints").GetInt64());
        Assert.All(everyone, a => Assert.Equal("sent", recipients[a].GetProperty("state").GetString()));

        // All four were read as opt-outs; the forged and the misdirected one are on record, tied to nothing.
        var requests = JsonDocument.Parse(await cli.Ok("bounce", "list", "--reason", "feedback", "--json")).RootElement.EnumerateArray()
            .ToDictionary(b => b.GetProperty("address").GetString()!, b => b.Clone());
        Assert.Equal([Address(0), Address(1), Address(2), Address(4)], requests.Keys.Order());
        Assert.All(new[] { Address(0), Address(1) }, a => Assert.StartsWith("mailing:", requests[a].GetProperty("tiedTo").GetString()));
        Assert.All(new[] { Address(2), Address(4) }, a =>
        {
            Assert.Equal(JsonValueKind.Null, requests[a].GetProperty("tiedTo").ValueKind);
            Assert.Contains("not tied", requests[a].GetProperty("untied").GetString());
        });
        foreach (var address in everyone[2..])
        {
            Assert.False(JsonDocument.Parse(await cli.Ok("contact", "show", address, "--json")).RootElement.GetProperty("optedOut").GetBoolean(), address);
        }

        // The next mailing: the two who asked are opted out, the three others are mailed.
        var next = await Send(cli, "news", list, message, "next week");
        var nextReport = await Until(cli, next, Finished);
        Assert.Equal(2, nextReport.GetProperty("suppressed").GetInt64());
        Assert.Equal(2, nextReport.GetProperty("suppressedBy").GetProperty("opted out").GetInt64());
        Assert.Equal(3, nextReport.GetProperty("sent").GetInt64());
        Assert.Equal(1, smtp.CountTo(Address(0)));
        Assert.Equal(1, smtp.CountTo(Address(1)));
        Assert.All(everyone[2..], a => Assert.Equal(2, smtp.CountTo(a)));
    }

    private static string Address(int n) => $"m{n}@example.net";

    /// <summary>The mailto link of a mail's List-Unsubscribe, read the way a mail client reads it.</summary>
    internal static (string To, string Subject) Mailto(ReceivedMail mail)
    {
        var link = mail.Message.Headers["List-Unsubscribe"]!.Split(',').Select(p => p.Trim().Trim('<', '>'))
            .Single(p => p.StartsWith("mailto:", StringComparison.Ordinal));
        var uri = new Uri(link);
        var subject = uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Single(p => p[0] == "subject")[1];
        return (Uri.UnescapeDataString(uri.UserInfo + "@" + uri.Host), Uri.UnescapeDataString(subject));
    }

    /// <summary>The request as a mail client sends it (and the receiving server stores it).</summary>
    internal static byte[] Request(string from, string to, string subject, string extraHeaders, string body) => Encoding.ASCII.GetBytes(
        $"Return-Path: <{from}>\r\n{extraHeaders}From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
        + $"Message-ID: <{Guid.NewGuid():N}@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}");
}

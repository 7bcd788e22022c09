using System.Net;
using System.Text.Json;
using Techmail.Mailboxes;
using Techmail.Tests.Api;
using Techmail.Tests.Support;
using static Techmail.Tests.Mailings.MailingCommands;

namespace Techmail.Tests.Mailings;

/// <summary>
/// The Marketing mailbox's soft-bounce retry window through the real client and HTTP API on a silo process (SQLite), the
/// real SMTP sink as relay and the real Dovecot as the mailbox's server: a mailing takes the mailbox's window unless it
/// gives its own, and a soft bounce whose next try would fall outside the window fails the recipient.
/// </summary>
public sealed class MailboxRetryWindowTests
{
    [Fact]
    public async Task A_mailing_through_a_mailbox_with_a_one_day_window_retries_within_one_day_and_its_own_window_overrides_it()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("news", "news-password");
        using var data = new TempDirectory("techmail-retry-window");
        using var files = new TempDirectory("techmail-retry-window-files");
        // A soft bounce is tried again two days later: outside a one-day window, inside a three-day one.
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:MailingRetryDelaysSeconds=172800"]);
        var cli = new Cli(silo.Gateway);
        await cli.Ok("mailbox", "add", "news", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "news", "--password", "news-password",
            "--envelope-from", "bounces@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none",
            "--poll-interval", "60m", "--retry-window", "1", "--enable");
        Assert.Equal("1.00:00:00", Window(await cli.Ok("mailbox", "show", "news", "--json")));
        Assert.Contains("1 days", await cli.Ok("mailbox", "show", "news"));

        var message = files.File("offer.eml");
        await File.WriteAllTextAsync(message, "Subject: An offer\r\nContent-Type: text/plain\r\n\r\nFor {email}.\r\n");
        var first = files.File("first.txt");
        await File.WriteAllTextAsync(first, "w1@example.net\n");
        var second = files.File("second.txt");
        await File.WriteAllTextAsync(second, "w2@example.net\n");
        var byMailbox = await Send(cli, "news", first, message, "mailbox window");
        var ownWindow = await Send(cli, "news", second, message, "own window", "--retry-window", "3");
        Assert.Equal("1.00:00:00", (await Until(cli, byMailbox, Finished)).GetProperty("retryWindow").GetString());
        Assert.Equal("3.00:00:00", (await Until(cli, ownWindow, Finished)).GetProperty("retryWindow").GetString());

        // Both recipients' mailboxes are full.
        foreach (var address in new[] { "w1@example.net", "w2@example.net" })
        {
            var sent = await smtp.WaitFor(m => m.Recipients.Contains(address), TimeSpan.FromSeconds(30));
            dovecot.Deliver("news", TestBounces.Dsn(address, "4.2.2", $"452 4.2.2 <{address}>: Mailbox full, quota exceeded", returnPath: sent.EnvelopeFrom));
        }

        await cli.Ok("mailbox", "poll", "news", "--wait");
        var failed = await Until(cli, byMailbox, r => r.GetProperty("softBounces").GetInt64() == 1);
        Assert.Equal(1, failed.GetProperty("failed").GetInt64());
        Assert.Equal(0, failed.GetProperty("retrying").GetInt64());
        var w1 = (await Recipients(cli, byMailbox))["w1@example.net"];
        Assert.Equal("failed", w1.GetProperty("state").GetString());
        Assert.Contains("retry window of 1 days closed", w1.GetProperty("detail").GetString());

        var retrying = await Until(cli, ownWindow, r => r.GetProperty("softBounces").GetInt64() == 1);
        Assert.Equal(1, retrying.GetProperty("retrying").GetInt64());
        Assert.Equal(0, retrying.GetProperty("failed").GetInt64());
        Assert.Equal("retry", (await Recipients(cli, ownWindow))["w2@example.net"].GetProperty("state").GetString());

        // The window travels with an export, goes back to the default with 'default', and is no Service mailbox's.
        var exported = files.File("mailboxes.json");
        await cli.Ok("mailbox", "export", "--output", exported, "--include-secrets");
        await cli.Ok("mailbox", "update", "news", "--retry-window", "default");
        Assert.Null(Window(await cli.Ok("mailbox", "show", "news", "--json")));
        Assert.Contains("7 days (default)", await cli.Ok("mailbox", "show", "news"));
        await new Cli(silo.Gateway, "copy").Ok("mailbox", "import", exported);
        Assert.Equal("1.00:00:00", Window(await new Cli(silo.Gateway, "copy").Ok("mailbox", "show", "news", "--json")));
        var tooLong = await cli.Run("mailbox", "update", "news", "--retry-window", "31");
        Assert.Equal(1, tooLong.ExitCode);
        Assert.Contains("at most 30 days", tooLong.Stderr);
        var service = await cli.Run("mailbox", "add", "support", "--type", "service", "--no-incoming", "--envelope-from", "support@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--retry-window", "3");
        Assert.Equal(1, service.ExitCode);
        Assert.Contains("softBounceRetryWindow", service.Stderr);
        Assert.Contains("Marketing mailboxes", service.Stderr);

        // The API's mailbox body carries it the same way.
        using var api = ApiClient.Operator(silo);
        var settings = MailboxSettings.Empty(MailboxType.Service) with
        {
            Outgoing = new OutgoingSettings("support@example.com", null, null, null, new SmtpRelaySettings("127.0.0.1", smtp.Port, TlsMode.None, null, null)),
            SoftBounceRetryWindow = TimeSpan.FromDays(3),
        };
        using var refused = await api.Post("mailboxes?tenant=default", new { name = "support", settings });
        var problem = await ApiClient.Problem(refused, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("softBounceRetryWindow", out var errors), problem.ToString());
        Assert.Contains("Marketing mailboxes", errors[0].GetString());
        using var marketing = await api.Post("mailboxes?tenant=default", new { name = "offers", settings = settings with { Type = MailboxType.Marketing } });
        Assert.Equal("3.00:00:00", (await ApiClient.Body(marketing, HttpStatusCode.Created)).GetProperty("settings").GetProperty("softBounceRetryWindow").GetString());
    }

    private static string? Window(string showJson) =>
        JsonDocument.Parse(showJson).RootElement.GetProperty("settings").GetProperty("softBounceRetryWindow").GetString();
}

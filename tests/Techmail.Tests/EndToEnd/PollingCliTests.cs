using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

public sealed class PollingCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Poll_trace_and_quarantine_through_the_real_client()
    {
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("cli", "cli-password");
        dovecot.Deliver("cli", TestMail.Simple("first question"));
        dovecot.Deliver("cli", TestMail.Garbage());
        var cli = fixture.Cli("pollcli");
        await cli.RunWithInput("cli-password\n", "mailbox", "add", "help", "--type", "service", "--host", "127.0.0.1",
            "--port", dovecot.Pop3Port.ToString(), "--tls", "none", "--allow-plaintext-password", "--account", "cli", "--password-stdin", "--enable");

        var polled = JsonDocument.Parse(await cli.Ok("mailbox", "poll", "help", "--wait", "--json")).RootElement.GetProperty("status");
        Assert.Equal(1, polled.GetProperty("counts").GetProperty("accepted").GetInt64());
        Assert.Equal(1, polled.GetProperty("counts").GetProperty("quarantined").GetInt64());
        Assert.Equal(0, dovecot.CountMessages("cli"));

        var table = await cli.Ok("mailbox", "trace", "help");
        Assert.Contains("first question", table);
        Assert.Contains("Quarantined", table);

        var held = JsonDocument.Parse(await cli.Ok("quarantine", "list", "--json")).RootElement;
        var id = Assert.Single(held.EnumerateArray()).GetProperty("id").GetString()!;
        Assert.Contains("cannot be parsed", await cli.Ok("quarantine", "show", id));
        Assert.Contains("this is not a message", await cli.Ok("quarantine", "show", id, "--raw"));

        var reprocess = await cli.Run("quarantine", "reprocess", id);
        Assert.Equal(1, reprocess.ExitCode);
        await cli.Ok("quarantine", "drop", id);
        Assert.Equal(0, JsonDocument.Parse(await cli.Ok("quarantine", "list", "--json")).RootElement.GetArrayLength());
        Assert.Equal(1, JsonDocument.Parse(await cli.Ok("quarantine", "list", "--all", "--json")).RootElement.GetArrayLength());

        var disabled = await cli.Run("mailbox", "disable", "help");
        Assert.Equal(0, disabled.ExitCode);
        var refused = await cli.Run("mailbox", "poll", "help");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("disabled", refused.Stderr);
    }

    [Fact]
    public async Task Poll_until_built_returns_once_every_polled_mail_is_an_incident()
    {
        const int messages = 300;
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("built", "built-password");
        for (var i = 0; i < messages; i++)
        {
            // A sender each, as a support mailbox sees them; one sender's 300 would be held as a flood.
            dovecot.Deliver("built", TestMail.Simple($"question {i}", from: $"customer{i}@example.net"));
        }

        var cli = fixture.Cli("untilbuilt");
        await cli.Ok("mailbox", "add", "help", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "built", "--password", "built-password", "--enable");

        var polled = JsonDocument.Parse(await cli.Ok("mailbox", "poll", "help", "--until-built", "--json")).RootElement;

        Assert.Equal(messages, polled.GetProperty("status").GetProperty("counts").GetProperty("accepted").GetInt64());
        // Straight after it returns, with no waiting of the test's own: every mail is an incident.
        var incidents = JsonDocument.Parse(await cli.Ok("incident", "list", "--mailbox", "help", "--limit", "1000", "--json")).RootElement;
        Assert.Equal(messages, incidents.GetProperty("incidents").GetArrayLength());
        Assert.Equal(0, dovecot.CountMessages("built"));
    }

    [Fact]
    public async Task Poll_wait_that_runs_out_of_time_exits_with_its_own_code()
    {
        // A server that takes the connection and never greets: the poll cannot end within the second given.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var cli = fixture.Cli("polltimeout");
        await cli.Ok("mailbox", "add", "slow", "--type", "service", "--host", "127.0.0.1", "--port", port.ToString(), "--tls", "none",
            "--allow-plaintext-password", "--account", "x", "--password", "y", "--enable");

        var result = await cli.Run("mailbox", "poll", "slow", "--until-built", "--timeout", "1");

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("techmail: the poll of 'slow' did not finish within 1s; see 'techmail mailbox status slow'.", result.Stderr.Trim());
    }

    [Fact]
    public async Task A_failing_poll_shows_its_error_in_status_and_poll_wait_exits_non_zero()
    {
        var cli = fixture.Cli("pollfail");
        var port = FreePort.Next();
        await cli.Ok("mailbox", "add", "dead", "--type", "service", "--host", "127.0.0.1", "--port", port.ToString(), "--tls", "none", "--allow-plaintext-password",
            "--account", "x", "--password", "y", "--enable");

        var result = await cli.Run("mailbox", "poll", "dead", "--wait");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("connection refused", result.Stdout);
        var status = JsonDocument.Parse(await cli.Ok("mailbox", "status", "dead", "--json")).RootElement.GetProperty("status");
        Assert.True(status.GetProperty("consecutiveFailures").GetInt32() >= 1);
        Assert.Contains("connection refused", status.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task Send_through_a_mailbox_from_the_client_and_a_clear_refusal_when_disabled()
    {
        await using var smtp = await SmtpSink.Start();
        var cli = fixture.Cli("sendcli");
        await cli.Ok("mailbox", "add", "out", "--type", "service", "--envelope-from", "bounces@example.com", "--friendly-from", "help@example.com",
            "--display-name", "Help Desk", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none");

        var refused = await cli.Run("mailbox", "send", "out", "--to", "customer@example.net");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("disabled", refused.Stderr);

        await cli.Ok("mailbox", "enable", "out");
        var receipt = JsonDocument.Parse(await cli.Ok("mailbox", "send", "out", "--to", "customer@example.net", "--subject", "Checking", "--json")).RootElement;
        var sent = await smtp.WaitFor(m => m.Message.MessageId == receipt.GetProperty("messageId").GetString(), TimeSpan.FromSeconds(10));
        Assert.Equal("bounces@example.com", sent.EnvelopeFrom);
        Assert.Equal("Checking", sent.Message.Subject);
        Assert.Equal("Help Desk", sent.Message.From.Mailboxes.Single().Name);
    }

    [Fact]
    public async Task Send_wait_follows_the_queued_mail_to_the_relay_and_a_repeated_request_id_sends_once()
    {
        await using var smtp = await SmtpSink.Start();
        smtp.AnswerSlowly("slow@example.net", TimeSpan.FromSeconds(3));
        smtp.AnswerSlowly("slower@example.net", TimeSpan.FromSeconds(20));
        var cli = fixture.Cli("sendwait");
        await cli.Ok("mailbox", "add", "out", "--type", "service", "--envelope-from", "bounces@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");

        var sent = await cli.Run("mailbox", "send", "out", "--to", "slow@example.net", "--request-id", "check-1", "--wait");
        var again = await cli.Run("mailbox", "send", "out", "--to", "slow@example.net", "--request-id", "check-1", "--json");
        var late = await cli.Run("mailbox", "send", "out", "--to", "slower@example.net", "--wait", "--timeout", "1");

        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Matches(@"^Sent <?\S+@example\.com>? from bounces@example\.com to slow@example\.net \(outbox mail #\d+\)\.", sent.Stdout);
        Assert.Equal(0, again.ExitCode);
        var ticket = JsonDocument.Parse(again.Stdout).RootElement;
        Assert.True(ticket.GetProperty("alreadyQueued").GetBoolean());
        Assert.Equal("check-1", ticket.GetProperty("requestId").GetString());
        Assert.Equal(1, smtp.CountTo("slow@example.net"));
        Assert.Equal(1, late.ExitCode);
        Assert.Contains("Still queued after 1s as outbox mail #", late.Stdout);
        var refused = await cli.Run("mailbox", "send", "out", "--to", "x@example.net", "--request-id", "no spaces");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--request-id", refused.Stderr);
    }

    [Fact]
    public async Task Quarantine_reprocess_wait_reports_the_forward_and_asked_again_forwards_nothing_more()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        smtp.AnswerSlowly("review@example.com", TimeSpan.FromSeconds(2));
        dovecot.AddUser("rp", "rp-password");
        dovecot.Deliver("rp", TestMail.WithAttachment("contract", "contract.zip", "application/zip", 500));
        var cli = fixture.Cli("reprocesscli");
        await cli.RunWithInput("rp-password\n", "mailbox", "add", "desk", "--type", "service", "--host", "127.0.0.1",
            "--port", dovecot.Pop3Port.ToString(), "--tls", "none", "--allow-plaintext-password", "--account", "rp", "--password-stdin",
            "--envelope-from", "bounces@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none",
            "--block-type", ".zip", "--enable");
        await cli.Ok("mailbox", "poll", "desk", "--wait");
        var id = Assert.Single(JsonDocument.Parse(await cli.Ok("quarantine", "list", "--json")).RootElement.EnumerateArray()).GetProperty("id").GetString()!;
        await cli.Ok("mailbox", "update", "desk", "--reject-forward", "review@example.com");

        var first = await cli.Run("quarantine", "reprocess", id, "--wait");
        var second = await cli.Run("quarantine", "reprocess", id, "--json");
        var shown = await cli.Ok("quarantine", "show", id);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Matches($@"^Reprocessed {id}: rejected and forwarded to review@example\.com \(outbox mail #\d+\)\.", first.Stdout);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal("Done", JsonDocument.Parse(second.Stdout).RootElement.GetProperty("progress").GetString());
        Assert.Contains("rejected and forwarded to review@example.com", shown);
        Assert.Equal(1, smtp.CountTo("review@example.com"));
    }
}

using System.Text.RegularExpressions;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>A Dovecot of their own for the tests that run the poller with limits and clocks of their own.</summary>
public sealed class PollProgressFixture : IAsyncLifetime
{
    private int _users;

    public DovecotServer Dovecot { get; private set; } = null!;

    public async Task InitializeAsync() => Dovecot = await DovecotServer.Start();

    public async Task DisposeAsync() => await Dovecot.DisposeAsync();

    /// <summary>A fresh mail user with <paramref name="count"/> messages of about 2 KB waiting, each with its own Message-ID.</summary>
    public (string User, string Password) UserWithMail(int count, string subject = "backlog")
    {
        var user = $"progress{Interlocked.Increment(ref _users)}";
        var password = $"pw-{Guid.NewGuid():N}"[..16];
        Dovecot.AddUser(user, password);
        for (var i = 0; i < count; i++)
        {
            Dovecot.Deliver(user, TestMail.Simple($"{subject} {i}", padTo: 2000));
        }

        return (user, password);
    }

    public static IncomingSettings Imap(string user, string password, int port) =>
        new(MailProtocol.Imap, "127.0.0.1", port, TlsMode.None, user, password, [], AllowPlaintextPassword: true);

    public static IncomingSettings Pop3(string user, string password, int port) =>
        new(MailProtocol.Pop3, "127.0.0.1", port, TlsMode.None, user, password, [], AllowPlaintextPassword: true);
}

/// <summary>
/// Progress that survives (issue 16): deletions final per batch, time limits per step, a poll budget, the download
/// limit without a listed size, POP3 without UIDL, message keys of mail still on the server, and the server-wide breaker.
/// Real Dovecot behind a proxy that adds latency, stalls, cuts and strips capabilities.
/// </summary>
public sealed class PollProgressTests(PollProgressFixture fixture) : IClassFixture<PollProgressFixture>
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_backlog_on_a_distant_server_that_stalls_keeps_every_finished_batch_and_drains_over_later_polls(bool uidPlus)
    {
        const int messages = 200;
        var (user, password) = fixture.UserWithMail(messages);
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        proxy.AddLatency(TimeSpan.FromMilliseconds(20));
        if (!uidPlus)
        {
            // A server with neither UIDPLUS nor MOVE: the batch is expunged without UID EXPUNGE.
            proxy.RewriteServerLines(line => line.Contains("CAPABILITY", StringComparison.Ordinal)
                ? Regex.Replace(line, @" (UIDPLUS|MOVE)(?=[ \]\r])", "")
                : line);
        }

        // The first session's server stalls for longer than a step may take, partway through the downloads (after its
        // listing, under 10 KB, and about three and a half batches of 20 messages, about 50 KB each).
        proxy.StallConnection(1, 180_000, TimeSpan.FromSeconds(4));
        await using var harness = await PollerHarness.Start(new PollingLimits
        {
            BatchSize = 20,
            StepTimeout = TimeSpan.FromSeconds(2),
            RetryAttempts = 0,
            CircuitBreakDuration = TimeSpan.FromMilliseconds(500),
        });
        var incoming = PollProgressFixture.Imap(user, password, proxy.Port);

        var first = await harness.Poll("backlog", incoming);

        Assert.Equal(MailFetchFailure.Transient, first.Failure);
        Assert.Contains("took longer than 2 s", first.Error);
        var left = Dovecot.CountMessages(user);
        // The batches finished before the stall are gone from the server for good, and recorded once each.
        Assert.True(left is >= 1 and <= messages - 20, $"{left} left after {first.Fetched} fetched, {first.Accepted} accepted");
        var recorded = await harness.Inbound("backlog");
        Assert.True(recorded >= messages - left, $"{recorded} recorded, {messages - left} deleted");
        Assert.Equal(recorded, await harness.DistinctMessageIds("backlog"));

        // Later polls drain the rest (a busy machine may make one of their two-second steps time out too: that poll
        // keeps its progress as well).
        for (var poll = 0; poll < 8 && Dovecot.CountMessages(user) > 0; poll++)
        {
            await Task.Delay(600); // the mailbox's own breaker may have opened; let it half-open
            await harness.Poll("backlog", incoming);
        }

        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(messages, await harness.Inbound("backlog"));
        Assert.Equal(messages, await harness.Traced("backlog"));
        Assert.Equal(messages, await harness.DistinctMessageIds("backlog"));
    }

    [Fact]
    public async Task Without_move_or_uidplus_each_batch_reaches_the_processed_folder_at_once_and_only_once()
    {
        const int messages = 100;
        var (user, password) = fixture.UserWithMail(messages, "processed");
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        proxy.RewriteServerLines(line => line.Contains("CAPABILITY", StringComparison.Ordinal)
            ? Regex.Replace(line, @" (UIDPLUS|MOVE)(?=[ \]\r])", "")
            : line);
        proxy.StallConnection(1, 130_000, TimeSpan.FromSeconds(4));
        await using var harness = await PollerHarness.Start(new PollingLimits { BatchSize = 20, StepTimeout = TimeSpan.FromSeconds(2), RetryAttempts = 0 });
        var incoming = PollProgressFixture.Imap(user, password, proxy.Port) with { ProcessedFolder = "Processed" };

        var first = await harness.Poll("processed", incoming);

        Assert.Equal(MailFetchFailure.Transient, first.Failure);
        var moved = await Count(user, password, "Processed");
        Assert.True(moved is >= 20 and < messages, $"{moved} moved before the stall");
        Assert.Equal(messages - moved, await Count(user, password, "INBOX"));

        for (var poll = 0; poll < 8 && await Count(user, password, "INBOX") > 0; poll++)
        {
            await Task.Delay(600);
            await harness.Poll("processed", incoming);
        }

        Assert.Equal(0, await Count(user, password, "INBOX"));
        Assert.Equal(messages, await Count(user, password, "Processed"));
        Assert.Equal(messages, await harness.Inbound("processed"));
    }

    private async Task<int> Count(string user, string password, string folder)
    {
        using var client = new MailKit.Net.Imap.ImapClient();
        await client.ConnectAsync("127.0.0.1", Dovecot.ImapPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        var opened = folder == "INBOX" ? client.Inbox : await client.GetFolder(client.PersonalNamespaces[0]).GetSubfolderAsync(folder);
        await opened.OpenAsync(MailKit.FolderAccess.ReadOnly);
        return opened.Count;
    }

    [Fact]
    public async Task A_poll_whose_budget_runs_out_ends_cleanly_and_the_next_goes_on_where_it_stopped()
    {
        const int messages = 200;
        var (user, password) = fixture.UserWithMail(messages, "budget");
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        proxy.AddLatency(TimeSpan.FromMilliseconds(30));
        await using var harness = await PollerHarness.Start(new PollingLimits { BatchSize = 20, PollBudget = TimeSpan.FromMilliseconds(400) });
        var incoming = PollProgressFixture.Imap(user, password, proxy.Port);

        var first = await harness.Poll("budget", incoming);

        Assert.True(first.Succeeded, first.Error);
        Assert.Contains("stopped taking new mail", first.Error);
        var left = Dovecot.CountMessages(user);
        Assert.True(left is >= 1 and <= messages - 20, $"{left} left, {first.Accepted} accepted");
        Assert.InRange(left, 1, messages - 20);
        Assert.Equal(messages - left, first.Accepted);

        var polls = 1;
        while (Dovecot.CountMessages(user) > 0 && polls++ < 20)
        {
            Assert.True((await harness.Poll("budget", incoming)).Succeeded);
        }

        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(messages, await harness.Inbound("budget"));
        Assert.Equal(messages, await harness.DistinctMessageIds("budget"));
    }

    [Fact]
    public async Task An_imap_server_that_lists_no_sizes_still_has_the_download_limit_kept()
    {
        var user = $"nosize{Guid.NewGuid():N}"[..14];
        Dovecot.AddUser(user, "pw-nosize");
        Dovecot.Deliver(user, TestMail.Simple("enormous", padTo: 300_000));
        Dovecot.Deliver(user, TestMail.Simple("normal"));
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        proxy.RewriteServerLines(line => Regex.Replace(line, @" RFC822\.SIZE \d+", ""));
        await using var harness = await PollerHarness.Start(new PollingLimits { MaxDownloadBytes = 100_000 });

        var report = await harness.Poll("nosize", PollProgressFixture.Imap(user, "pw-nosize", proxy.Port));

        Assert.True(report.Succeeded, report.Error);
        Assert.Equal(1, report.Accepted);
        Assert.Equal(1, report.LeftOnServer);
        Assert.Contains("over the 100,000-byte download limit; left on the server", report.Error);
        Assert.Equal(1, Dovecot.CountMessages(user));
        Assert.Equal(1, await harness.Inbound("nosize"));
    }

    [Fact]
    public async Task Pop3_without_uidl_retried_after_a_dropped_line_loses_and_doubles_nothing()
    {
        const int messages = 30;
        var (user, password) = fixture.UserWithMail(messages, "no uidl");
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        // Not announced, and refused when MailKit tries it anyway.
        proxy.RewriteServerLines(line => line == "UIDL\r\n" ? "" : line);
        proxy.RewriteClientLines(line => line.StartsWith("UIDL", StringComparison.Ordinal) ? "X" + line : line);
        // The first session drops after its first batches were handed off, before its QUIT.
        proxy.CutConnection(1, 40_000);
        await using var harness = await PollerHarness.Start(new PollingLimits { BatchSize = 10, RetryDelay = TimeSpan.FromMilliseconds(50) });

        var report = await harness.Poll("no-uidl", PollProgressFixture.Pop3(user, password, proxy.Port));

        Assert.True(report.Succeeded, report.Error);
        Assert.True(proxy.ConnectionCount >= 2, "the dropped session was retried");
        Assert.True(report.Duplicates > 0, "the retry met mail the dropped session had recorded");
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(messages, await harness.Inbound("no-uidl"));
        Assert.Equal(messages, await harness.DistinctMessageIds("no-uidl"));
        // Keyed without UIDL: by position and content.
        Assert.Equal(messages, await harness.Scalar("SELECT COUNT(*) FROM techmail_message_trace WHERE mailbox = 'no-uidl' AND server_uid LIKE '#%'"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Keys_of_mail_still_on_the_server_outlive_the_retention_and_the_rest_are_pruned(bool postgres)
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var (user, password) = fixture.UserWithMail(3, "gone");
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        await using var harness = await PollerHarness.Start(new PollingLimits { RetryAttempts = 0 }, clock, postgres);
        var incoming = PollProgressFixture.Pop3(user, password, proxy.Port);
        Assert.Equal(3, (await harness.Poll("retention", incoming)).Accepted);

        // Two more are recorded, but the line drops before QUIT: they stay on the server (as with a mailbox whose
        // deletions fail, or one disabled after a crash).
        Dovecot.Deliver(user, TestMail.Simple("stuck 1"));
        Dovecot.Deliver(user, TestMail.Simple("stuck 2"));
        proxy.CutWhenClientSends("QUIT");
        var cut = await harness.Poll("retention", incoming);
        Assert.Equal(2, cut.Accepted);
        Assert.Equal(2, Dovecot.CountMessages(user));

        clock.Advance(TimeSpan.FromDays(31));
        proxy.CutWhenClientSends(null);
        var later = await harness.Poll("retention", incoming);

        // Recognised, not handed on again as new mail; and only the keys of mail gone from the server were pruned.
        Assert.True(later.Succeeded, later.Error);
        Assert.Equal(2, later.Duplicates);
        Assert.Equal(0, later.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(2, await harness.Traced("retention"));
    }

    [Fact]
    public async Task The_server_breaker_opens_only_once_several_accounts_cannot_reach_the_server()
    {
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        proxy.RefuseConnections(true);
        await using var harness = await PollerHarness.Start(new PollingLimits { RetryAttempts = 0, CircuitBreakDuration = TimeSpan.FromSeconds(30) });
        Task<PollReport> Poll(string tenant, string account) => harness.Poll("down", PollProgressFixture.Pop3(account, "pw", proxy.Port), tenant);

        // One account failing again and again is that account's business: every poll still tries the server, until
        // the account's own breaker opens.
        for (var i = 0; i < 3; i++)
        {
            var before = proxy.ConnectionCount;
            Assert.Contains("127.0.0.1", (await Poll("a", "first")).Error);
            Assert.Equal(before + 1, proxy.ConnectionCount);
        }

        Assert.Contains("circuit open after repeated failures of this mailbox", (await Poll("a", "first")).Error);
        Assert.Equal(CircuitState.Closed, (await Poll("b", "second")).Circuit);
        await Poll("c", "third");

        // Three tenants' accounts could not reach it: now it is the server, and a fourth fails fast without trying.
        var connections = proxy.ConnectionCount;
        var fast = await Poll("d", "fourth");
        Assert.Equal(MailFetchFailure.Transient, fast.Failure);
        Assert.Contains("could not be reached", fast.Error);
        Assert.Equal(CircuitState.Open, fast.Circuit);
        Assert.Equal(connections, proxy.ConnectionCount);
    }
}

using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// IMAP connections kept between polls, against the real Dovecot behind a proxy that counts and breaks connections:
/// reused without logging in again, replaced when the server dropped them, dropped when the settings change or the
/// mailbox goes, and held to the pool's caps and idle timeout.
/// </summary>
public sealed class ImapConnectionReuseTests(PollProgressFixture fixture) : IClassFixture<PollProgressFixture>
{
    private static readonly TimeSpan EveryMinute = TimeSpan.FromMinutes(1);

    private DovecotServer Dovecot => fixture.Dovecot;

    [Fact]
    public async Task The_next_poll_uses_the_kept_connection_without_logging_in_and_takes_new_mail_through_it()
    {
        var (user, password) = fixture.UserWithMail(1, "kept");
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        await using var harness = await PollerHarness.Start(new PollingLimits());
        var incoming = PollProgressFixture.Imap(user, password, proxy.Port);

        var first = await harness.Poll("kept", incoming, interval: EveryMinute);
        Dovecot.Deliver(user, TestMail.Simple("arrived between polls"));
        var second = await harness.Poll("kept", incoming, interval: EveryMinute);
        var third = await harness.Poll("kept", incoming, interval: EveryMinute);

        Assert.Null(first.Error);
        Assert.Null(second.Error);
        Assert.Null(third.Error);
        Assert.Equal(1, first.Accepted);
        Assert.Equal(1, second.Accepted);
        Assert.Equal(0, third.Fetched);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(2, await harness.Inbound("kept"));
        Assert.Equal(1, proxy.ConnectionCount);
        Assert.Equal(1, await Eventually(() => Dovecot.Logins(user), logins => logins >= 1));
        Assert.Equal(1, harness.ImapPool.Count);
    }

    [Fact]
    public async Task A_kept_connection_the_server_dropped_is_replaced_and_the_poll_does_not_fail()
    {
        var (user, password) = fixture.UserWithMail(0, "dropped");
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        await using var harness = await PollerHarness.Start(new PollingLimits { RetryAttempts = 0 });
        var incoming = PollProgressFixture.Imap(user, password, proxy.Port);
        await harness.Poll("dropped", incoming, interval: EveryMinute);

        // Dropped while kept (a restart, an autologout, a NAT entry gone): seen before use, without a command.
        proxy.ResetOpenConnections();
        await Eventually(() => proxy.OpenConnections, open => open == 0);
        var afterReset = await harness.Poll("dropped", incoming, interval: EveryMinute);

        Assert.Null(afterReset.Error);
        Assert.Equal(2, proxy.ConnectionCount);

        // Dropped in the moment between the check and the first command: the kept connection's SELECT carries its fifth
        // tag (after AUTHENTICATE, NAMESPACE, LIST and the first SELECT; MailKit varies only the letter before the
        // number between connections), a fresh connection's SELECT its fourth. The
        // poll logs in again, with no retry to spend.
        proxy.CutWhenClientSends("00000004 SELECT");
        Dovecot.Deliver(user, TestMail.Simple("after the cut"));
        var afterCut = await harness.Poll("dropped", incoming, interval: EveryMinute);
        proxy.CutWhenClientSends(null);

        Assert.Null(afterCut.Error);
        Assert.Equal(1, afterCut.Accepted);
        Assert.Equal(3, proxy.ConnectionCount);
        Assert.Equal(1, await harness.Inbound("dropped"));
    }

    [Fact]
    public async Task A_changed_password_or_a_forgotten_mailbox_logs_the_kept_connection_out()
    {
        var (user, password) = fixture.UserWithMail(0, "changed");
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        await using var harness = await PollerHarness.Start(new PollingLimits());
        await harness.Poll("changed", PollProgressFixture.Imap(user, password, proxy.Port), interval: EveryMinute);
        Assert.Equal(1, harness.ImapPool.Count);

        // The new password's poll never meets the old login: it logs in anew, and the old connection is logged out.
        var changed = password + "-new";
        Dovecot.SetPassword(user, changed);
        // Dovecot looks at a passwd-file it read at most once a second.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var report = await harness.Poll("changed", PollProgressFixture.Imap(user, changed, proxy.Port), interval: EveryMinute);

        Assert.Null(report.Error);
        Assert.Equal(2, proxy.ConnectionCount);
        Assert.Equal(1, await Eventually(() => proxy.OpenConnections, open => open <= 1));
        Assert.Equal(1, harness.ImapPool.Count);

        // The mailbox grain forgets the connection when its settings are saved or it is removed.
        harness.Poller.ForgetConnection("harness", "changed");

        Assert.Equal(0, harness.ImapPool.Count);
        Assert.Equal(0, await Eventually(() => proxy.OpenConnections, open => open == 0));
    }

    [Fact]
    public async Task The_pool_keeps_no_more_than_its_caps_and_logs_out_what_idled_too_long()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        await using var harness = await PollerHarness.Start(
            new PollingLimits(), clock, imapPool: new ImapPoolOptions { MaxConnections = 2, MaxPerAccount = 1, IdleTimeout = TimeSpan.FromSeconds(90) });
        var (shared, sharedPassword) = fixture.UserWithMail(0, "caps");
        var (second, secondPassword) = fixture.UserWithMail(0, "caps");
        var (third, thirdPassword) = fixture.UserWithMail(0, "caps");

        // Two mailboxes on one account (a Service and a Marketing mailbox may share one): one connection kept for it.
        await harness.Poll("caps-a", PollProgressFixture.Imap(shared, sharedPassword, proxy.Port), interval: EveryMinute);
        await harness.Poll("caps-b", PollProgressFixture.Imap(shared, sharedPassword, proxy.Port), interval: EveryMinute);
        Assert.Equal(1, harness.ImapPool.KeptFor(MailAccount.Of("harness", PollProgressFixture.Imap(shared, sharedPassword, proxy.Port))));

        // Two connections across the silo at most.
        await harness.Poll("caps-c", PollProgressFixture.Imap(second, secondPassword, proxy.Port), interval: EveryMinute);
        await harness.Poll("caps-d", PollProgressFixture.Imap(third, thirdPassword, proxy.Port), interval: EveryMinute);
        Assert.Equal(2, harness.ImapPool.Count);
        Assert.Equal(2, await Eventually(() => proxy.OpenConnections, open => open == 2));

        // Unused past the idle timeout (by the pool's clock): never used again; the next poll logs in anew and the old
        // connection is logged out.
        clock.Advance(TimeSpan.FromSeconds(91));
        var connections = proxy.ConnectionCount;
        var report = await harness.Poll("caps-a", PollProgressFixture.Imap(shared, sharedPassword, proxy.Port), interval: EveryMinute);
        Assert.Null(report.Error);
        Assert.Equal(connections + 1, proxy.ConnectionCount);
        Assert.Equal(2, await Eventually(() => proxy.OpenConnections, open => open == 2));
    }

    /// <summary>The value once it satisfies the condition, or the last one read after ten seconds (for the assertion to show).</summary>
    private static async Task<int> Eventually(Func<int> read, Func<int, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var value = read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            value = read();
        }

        return value;
    }
}

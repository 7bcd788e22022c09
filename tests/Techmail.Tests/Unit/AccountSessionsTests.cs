using Techmail.Polling;

namespace Techmail.Tests.Unit;

public sealed class AccountSessionsTests
{
    [Fact]
    public async Task An_account_gets_its_hosts_share_of_sessions_and_a_waiter_gets_the_next_one_freed()
    {
        var limits = new PollingLimits { SessionsPerAccount = 2, Hosts = HostLimitSettings.Parse("big.example account=3", "k", []) };
        var sessions = new AccountSessions(limits);
        var small = new MailAccount("t", "mail.example:110", "alice");
        var big = new MailAccount("t", "big.example:993", "alice");

        var first = await sessions.Enter(small, CancellationToken.None);
        var second = await sessions.Enter(small with { User = "ALICE" }, CancellationToken.None);
        var third = sessions.Enter(small, CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Null(sessions.TryEnter(small));
        Assert.Equal(1, sessions.Waits);

        // Another account, or the same name on another host, has shares of its own.
        using var bob = await sessions.Enter(small with { User = "bob" }, CancellationToken.None);
        var onBig = new[] { sessions.TryEnter(big), sessions.TryEnter(big), sessions.TryEnter(big) };
        Assert.All(onBig, Assert.NotNull);
        Assert.Null(sessions.TryEnter(big));

        first.Dispose();
        first.Dispose();
        var thirdSlot = await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(6, sessions.InUse);
        second.Dispose();
        thirdSlot.Dispose();
        foreach (var slot in onBig)
        {
            slot!.Dispose();
        }

        bob.Dispose();
        Assert.Equal(0, sessions.InUse);
    }

    [Fact]
    public async Task A_cancelled_wait_takes_nothing()
    {
        var sessions = new AccountSessions(new PollingLimits { SessionsPerAccount = 1 });
        var account = new MailAccount("t", "mail.example:110", "alice");
        var held = await sessions.Enter(account, CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sessions.Enter(account, cancel.Token));
        held.Dispose();
        Assert.Equal(0, sessions.InUse);
        using var again = sessions.TryEnter(account);
        Assert.NotNull(again);
    }
}

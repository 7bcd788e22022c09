using Techmail.Polling;

namespace Techmail.Tests.Unit;

public sealed class PollGateTests
{
    /// <summary>A gate whose host limits cannot move (floor = ceiling), as the gate was before it adapted.</summary>
    internal static PollGate Fixed(int maxPerSilo, int maxPerHost) => new(
        new PollingLimits { MaxConcurrentPolls = maxPerSilo, MaxSessionsPerHost = maxPerHost, MinSessionsPerHost = maxPerHost, InitialSessionsPerHost = maxPerHost },
        TimeProvider.System);

    [Fact]
    public async Task Sessions_are_capped_per_host_and_per_silo_and_a_waiter_knows_it_waits()
    {
        var gate = Fixed(maxPerSilo: 3, maxPerHost: 2);
        var a1 = await gate.Enter("a.example", "t", false, CancellationToken.None);
        var a2 = await gate.Enter("A.EXAMPLE", "t", false, CancellationToken.None);

        Assert.True(gate.WouldWait("a.example"));
        Assert.False(gate.WouldWait("b.example"));
        var a3 = gate.Enter("a.example", "t", false, CancellationToken.None);
        Assert.False(a3.IsCompleted);

        var b1 = await gate.Enter("b.example", "t", false, CancellationToken.None);
        Assert.Equal(3, gate.InUse);
        Assert.True(gate.WouldWait("c.example"));

        a1.Dispose();
        a1.Dispose(); // a slot is released once, however often it is disposed
        (await a3).Dispose();
        a2.Dispose();
        b1.Dispose();
        Assert.Equal(0, gate.InUse);
    }

    [Fact]
    public async Task A_cancelled_waiter_gives_back_nothing_it_did_not_take()
    {
        var gate = Fixed(maxPerSilo: 1, maxPerHost: 1);
        using var held = await gate.Enter("a", "t", false, CancellationToken.None);
        using var cts = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.Enter("b", "t", false, cts.Token));
        Assert.Equal(1, gate.InUse);
        held.Dispose();
        // Host b's only slot was given back when the wait was cancelled, so b gets in at once.
        var next = gate.Enter("b", "t", false, CancellationToken.None);
        Assert.True(next.IsCompletedSuccessfully);
        (await next).Dispose();
    }

    [Fact]
    public async Task A_freed_slot_goes_to_the_waiting_tenant_holding_the_fewest_not_to_the_longest_queue()
    {
        var gate = Fixed(maxPerSilo: 10, maxPerHost: 2);
        var big1 = await gate.Enter("mail.example", "big", false, CancellationToken.None);
        var big2 = await gate.Enter("mail.example", "big", false, CancellationToken.None);
        // The big tenant queues many more of its mailboxes before the small tenant's one arrives.
        var bigWaiting = Enumerable.Range(0, 5).Select(_ => gate.Enter("mail.example", "big", false, CancellationToken.None)).ToList();
        var small = gate.Enter("mail.example", "small", false, CancellationToken.None);

        big1.Dispose();

        // The hand-over may complete on another thread: wait for it, then see that nobody else got in.
        var smallSlot = await small.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(bigWaiting, w => Assert.False(w.IsCompleted));
        smallSlot.Dispose();
        await Task.WhenAny(bigWaiting).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, bigWaiting.Count(w => w.IsCompleted));
        big2.Dispose();
        foreach (var waiter in bigWaiting)
        {
            (await waiter).Dispose();
        }

        Assert.Equal(0, gate.InUse);
    }

    [Fact]
    public async Task Failing_mailboxes_poll_in_a_pool_of_their_own_and_never_take_a_healthy_slot()
    {
        var gate = Fixed(maxPerSilo: 8, maxPerHost: 8);
        // A quarter of the host's limit: two failing mailboxes at once, however many there are.
        var failing = new List<IDisposable>
        {
            await gate.Enter("mail.example", "noisy", true, CancellationToken.None),
            await gate.Enter("mail.example", "noisy", true, CancellationToken.None),
        };
        Assert.True(gate.WouldWait("mail.example", failing: true));
        var third = gate.Enter("mail.example", "noisy", true, CancellationToken.None);
        Assert.False(third.IsCompleted);

        // Every healthy slot is still free, for any tenant.
        Assert.False(gate.WouldWait("mail.example"));
        var healthy = new List<IDisposable>();
        for (var i = 0; i < 8; i++)
        {
            var entered = gate.Enter("mail.example", i % 2 == 0 ? "quiet" : "noisy", false, CancellationToken.None);
            Assert.True(entered.IsCompletedSuccessfully);
            healthy.Add(await entered);
        }

        failing[0].Dispose();
        (await third).Dispose();
        failing[1].Dispose();
        healthy.ForEach(h => h.Dispose());
        Assert.Equal(0, gate.InUse);
    }

    [Fact]
    public async Task A_host_limit_that_grows_lets_its_waiters_in_and_one_cut_by_pushback_holds_new_polls_until_enough_ended()
    {
        var clock = new Techmail.Tests.Support.ManualClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var gate = new PollGate(new PollingLimits { MaxConcurrentPolls = 100, MinSessionsPerHost = 1, InitialSessionsPerHost = 2, MaxSessionsPerHost = 10 }, clock);
        var held = new List<IDisposable> { await gate.Enter("mail.example", "t", false, CancellationToken.None), await gate.Enter("mail.example", "t", false, CancellationToken.None) };
        var waiting = gate.Enter("mail.example", "t", false, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, gate.Snapshot().Hosts.Single().Waiting);

        // A quick poll that ended while another waited: the limit grows, and the waiter gets in without anyone leaving.
        gate.Succeeded("mail.example", TimeSpan.FromMilliseconds(300));
        held.Add(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        var host = gate.Snapshot().Hosts.Single();
        Assert.Equal(3, host.Limit.Limit);
        Assert.Equal(3, host.InUse);
        Assert.Equal(1, host.Waits);

        // Pushback: 3 * 0.7 = 2, so one of the three must end before a new poll starts.
        gate.PushedBack("MAIL.example", ServerPushback.InUse);
        Assert.Equal(2, gate.Snapshot().Hosts.Single().Limit.Limit);
        var next = gate.Enter("mail.example", "t", false, CancellationToken.None);
        held[0].Dispose();
        Assert.False(next.IsCompleted);
        held[1].Dispose();
        held.Add(await next.WaitAsync(TimeSpan.FromSeconds(5)));
        foreach (var slot in held)
        {
            slot.Dispose();
        }

        Assert.Equal(0, gate.InUse);
    }

    [Fact]
    public void Each_host_takes_its_range_from_its_own_settings_and_the_silo_cap_shows_in_the_snapshot()
    {
        var limits = new PollingLimits
        {
            MaxConcurrentPolls = 300,
            Hosts = HostLimitSettings.Parse("small.example account=2 floor=1 ceiling=4", "k", []),
        };
        var gate = new PollGate(limits, TimeProvider.System);
        Assert.False(gate.WouldWait("small.example"));
        Assert.False(gate.WouldWait("imap.gmail.com"));
        var hosts = gate.Snapshot().Hosts.ToDictionary(h => h.Host);
        Assert.Equal((1, 4, 4), (hosts["small.example"].Limit.Floor, hosts["small.example"].Limit.Ceiling, hosts["small.example"].Limit.Limit));
        Assert.Equal((2, 256, 16), (hosts["imap.gmail.com"].Limit.Floor, hosts["imap.gmail.com"].Limit.Ceiling, hosts["imap.gmail.com"].Limit.Limit));
        Assert.Equal(300, gate.Snapshot().Silo.Limit);
    }
}

using Techmail.Polling;

namespace Techmail.Tests.Unit;

public sealed class PollGateTests
{
    [Fact]
    public async Task Sessions_are_capped_per_host_and_per_silo_and_a_waiter_knows_it_waits()
    {
        var gate = new PollGate(maxPerSilo: 3, maxPerHost: 2);
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
        var gate = new PollGate(maxPerSilo: 1, maxPerHost: 1);
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
        var gate = new PollGate(maxPerSilo: 10, maxPerHost: 2);
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
        var gate = new PollGate(maxPerSilo: 8, maxPerHost: 8);
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
}

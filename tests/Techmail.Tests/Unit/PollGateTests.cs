using Techmail.Polling;

namespace Techmail.Tests.Unit;

public sealed class PollGateTests
{
    [Fact]
    public async Task Sessions_are_capped_per_host_and_per_silo_and_a_waiter_knows_it_waits()
    {
        var gate = new PollGate(maxPerSilo: 3, maxPerHost: 2);
        var a1 = await gate.Enter("a.example", CancellationToken.None);
        var a2 = await gate.Enter("A.EXAMPLE", CancellationToken.None);

        Assert.True(gate.WouldWait("a.example"));
        Assert.False(gate.WouldWait("b.example"));
        var a3 = gate.Enter("a.example", CancellationToken.None);
        Assert.False(a3.IsCompleted);

        var b1 = await gate.Enter("b.example", CancellationToken.None);
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
        using var held = await gate.Enter("a", CancellationToken.None);
        using var cts = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.Enter("b", cts.Token));
        Assert.Equal(1, gate.InUse);
        held.Dispose();
        // Host b's only slot was given back when the wait was cancelled, so b gets in at once.
        var next = gate.Enter("b", CancellationToken.None);
        Assert.True(next.IsCompletedSuccessfully);
        (await next).Dispose();
    }
}

using Techmail.Resources;

namespace Techmail.Tests.Unit;

/// <summary>The silo-wide memory budget on its own: who is admitted, who waits, in which order, and what it holds.</summary>
public sealed class MemoryBudgetTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Requests_within_the_total_are_admitted_at_once_and_one_beyond_it_waits_for_a_release()
    {
        var budget = new MemoryBudget(100);
        using var first = await budget.Acquire(60);
        var second = await budget.Acquire(40);

        var third = budget.Acquire(1).AsTask();
        await Task.Delay(50);
        Assert.False(third.IsCompleted);
        Assert.Equal(1, budget.Use.Waiting);

        second.Dispose();
        using var admitted = await third.WaitAsync(Patience);
        Assert.Equal(61, budget.Use.Held);
        Assert.Equal(100, budget.Use.PeakShared);
    }

    [Fact]
    public async Task A_large_request_that_waits_is_not_overtaken_by_smaller_ones_that_would_fit()
    {
        var budget = new MemoryBudget(100);
        var holder = await budget.Acquire(50);
        var large = budget.Acquire(80).AsTask();
        var small = budget.Acquire(10).AsTask();
        await Task.Delay(50);
        Assert.False(large.IsCompleted);
        Assert.False(small.IsCompleted); // 50 + 10 would fit, but the large one came first

        holder.Dispose();
        using var l = await large.WaitAsync(Patience);
        using var s = await small.WaitAsync(Patience);
        Assert.Equal(90, budget.Use.Held);
    }

    [Fact]
    public async Task A_request_larger_than_the_whole_budget_is_admitted_alone_once_nothing_else_holds_any()
    {
        var budget = new MemoryBudget(100);
        var holder = await budget.Acquire(30);
        var huge = budget.Acquire(500).AsTask();
        var after = budget.Acquire(10).AsTask();
        await Task.Delay(50);
        Assert.False(huge.IsCompleted);

        holder.Dispose();
        var hugeLease = await huge.WaitAsync(Patience);
        await Task.Delay(50);
        Assert.False(after.IsCompleted); // nothing shares the budget with it
        Assert.Equal(new MemoryBudgetUse(100, 500, 1, 1, 500, 0, 1, 2), budget.Use);

        hugeLease.Dispose();
        using var a = await after.WaitAsync(Patience);
        // Nothing ever held budget beside another; only the lone huge request went over the total.
        Assert.Equal(0, budget.Use.PeakShared);
        Assert.Equal(500, budget.Use.Peak);
    }

    [Fact]
    public async Task With_nothing_held_an_oversized_request_is_admitted_at_once()
    {
        var budget = new MemoryBudget(100);
        using var lease = await budget.Acquire(1_000).AsTask().WaitAsync(Patience);
        Assert.Equal(1, budget.Use.OversizedAdmissions);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_queue_and_lets_those_behind_it_in()
    {
        var budget = new MemoryBudget(100);
        using var holder = await budget.Acquire(50);
        using var cancel = new CancellationTokenSource();
        var large = budget.Acquire(80, cancel.Token).AsTask();
        var small = budget.Acquire(10).AsTask();
        await Task.Delay(50);
        Assert.False(small.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => large.WaitAsync(Patience));
        using var s = await small.WaitAsync(Patience);
        Assert.Equal(60, budget.Use.Held);
        Assert.Equal(0, budget.Use.Waiting);
    }

    [Fact]
    public async Task Settling_gives_back_what_a_batch_did_not_use_and_counts_what_it_brought_beyond_its_request()
    {
        var budget = new MemoryBudget(100);
        var lease = await budget.Acquire(90);
        var waiting = budget.Acquire(50).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        lease.Settle(40); // the server listed more than it sent
        using var admitted = await waiting.WaitAsync(Patience);
        Assert.Equal(90, budget.Use.Held);

        lease.Settle(70); // a message listed without its size: already in memory, so counted at once
        Assert.Equal(120, budget.Use.Held);
        lease.Dispose();
        lease.Dispose(); // once only
        Assert.Equal(50, budget.Use.Held);
        Assert.Equal(1, budget.Use.Holders);
    }

    [Fact]
    public async Task A_lease_of_nothing_holds_nothing_until_it_settles_on_bytes()
    {
        var budget = new MemoryBudget(100);
        var empty = await budget.Acquire(0);
        Assert.Equal(0, budget.Use.Holders);
        empty.Settle(30);
        Assert.Equal(new MemoryBudgetUse(100, 30, 1, 0, 30, 0, 0, 0), budget.Use);
        empty.Settle(0);
        Assert.Equal(0, budget.Use.Holders);
        empty.Dispose();
        Assert.Equal(0, budget.Use.Held);
    }

    [Fact]
    public void A_batch_is_kept_to_a_quarter_of_the_budget_so_several_share_it()
    {
        var budget = new MemoryBudget(64L << 20);
        Assert.Equal(16L << 20, budget.BatchBytes(32L << 20));
        Assert.Equal(8L << 20, budget.BatchBytes(8L << 20));
        Assert.Equal(1, new MemoryBudget(3).BatchBytes(100));
    }

    [Fact]
    public async Task Many_holders_at_once_all_finish_and_together_never_hold_more_than_the_total()
    {
        var budget = new MemoryBudget(1_000);
        var random = new Random(16);
        var sizes = Enumerable.Range(0, 400).Select(_ => (long)random.Next(1, 400)).Concat([2_500, 1_001]).OrderBy(_ => random.Next()).ToList();
        var work = sizes.Select(size => Task.Run(async () =>
        {
            using var lease = await budget.Acquire(size);
            await Task.Delay(Random.Shared.Next(0, 3));
        }));

        await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(60));
        var use = budget.Use;
        Assert.Equal(0, use.Held);
        Assert.Equal(0, use.Holders);
        Assert.InRange(use.PeakShared, 1, 1_000);
        Assert.Equal(2_500, use.Peak);
        Assert.Equal(2, use.OversizedAdmissions);
    }
}

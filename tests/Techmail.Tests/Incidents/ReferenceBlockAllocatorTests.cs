using System.Collections.Concurrent;
using Techmail.Incidents;

namespace Techmail.Tests.Incidents;

public sealed class ReferenceBlockAllocatorTests
{
    private static readonly DateOnly Nov26 = new(2026, 11, 26);
    private static readonly DateOnly Nov27 = new(2026, 11, 27);

    /// <summary>Stands in for the database counter: per (tenant, day), each call reserves the next block.</summary>
    private sealed class FakeReservations
    {
        private readonly ConcurrentDictionary<(string Tenant, DateOnly Day), long> _reservedUpTo = new();
        private int _calls;

        public int Calls => _calls;

        public ConcurrentQueue<(string Tenant, DateOnly Day, int Size)> Requests { get; } = new();

        public TimeSpan Delay { get; init; }

        public async Task<long> Reserve(string tenant, DateOnly day, int blockSize, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Requests.Enqueue((tenant, day, blockSize));
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            var last = _reservedUpTo.AddOrUpdate((tenant, day), blockSize, (_, upTo) => upTo + blockSize);
            return last - blockSize + 1;
        }
    }

    [Fact]
    public async Task Numbers_are_consecutive_within_a_block_and_the_store_is_asked_once_per_block()
    {
        var store = new FakeReservations();
        var allocator = new ReferenceBlockAllocator(5, store.Reserve);

        var sequences = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            var reference = await allocator.Next("acme", Nov26, CancellationToken.None);
            Assert.Equal(Nov26, reference.Day);
            sequences.Add(reference.Sequence);
        }

        Assert.Equal(Enumerable.Range(1, 12), sequences);
        Assert.Equal(3, store.Calls);
        Assert.All(store.Requests, request => Assert.Equal(("acme", Nov26, 5), request));
    }

    [Fact]
    public async Task A_block_starts_wherever_the_store_says()
    {
        // Another silo already took 1-10, so this allocator's block is 11-14.
        var allocator = new ReferenceBlockAllocator(4, (_, _, _, _) => Task.FromResult(11L));

        Assert.Equal("261126-000011", (await allocator.Next("acme", Nov26, CancellationToken.None)).ToString());
        Assert.Equal("261126-000012", (await allocator.Next("acme", Nov26, CancellationToken.None)).ToString());
    }

    [Fact]
    public async Task A_new_day_starts_a_new_block_from_its_own_numbers()
    {
        var store = new FakeReservations();
        var allocator = new ReferenceBlockAllocator(10, store.Reserve);

        Assert.Equal(1, (await allocator.Next("acme", Nov26, CancellationToken.None)).Sequence);
        Assert.Equal(2, (await allocator.Next("acme", Nov26, CancellationToken.None)).Sequence);
        var nextDay = await allocator.Next("acme", Nov27, CancellationToken.None);
        Assert.Equal(new IncidentReference(Nov27, 1), nextDay);
        Assert.Equal(2, store.Calls);

        // A caller whose clock is still on the 26th goes on using that day's block without reserving again.
        Assert.Equal(new IncidentReference(Nov26, 3), await allocator.Next("acme", Nov26, CancellationToken.None));
        Assert.Equal(new IncidentReference(Nov27, 2), await allocator.Next("acme", Nov27, CancellationToken.None));
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task A_day_long_past_still_gets_a_reference()
    {
        // A message stamped with an old day (a backlog, a wrong clock) must not break numbering for it or for today.
        var store = new FakeReservations();
        var allocator = new ReferenceBlockAllocator(10, store.Reserve);
        var longAgo = new DateOnly(2026, 11, 1);

        Assert.Equal(new IncidentReference(Nov27, 1), await allocator.Next("acme", Nov27, CancellationToken.None));
        Assert.Equal(new IncidentReference(longAgo, 1), await allocator.Next("acme", longAgo, CancellationToken.None));
        Assert.Equal(new IncidentReference(Nov27, 2), await allocator.Next("acme", Nov27, CancellationToken.None));
    }

    [Fact]
    public async Task Tenants_have_their_own_blocks()
    {
        var store = new FakeReservations();
        var allocator = new ReferenceBlockAllocator(10, store.Reserve);

        Assert.Equal(1, (await allocator.Next("acme", Nov26, CancellationToken.None)).Sequence);
        Assert.Equal(1, (await allocator.Next("globex", Nov26, CancellationToken.None)).Sequence);
        Assert.Equal(2, (await allocator.Next("acme", Nov26, CancellationToken.None)).Sequence);
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task Concurrent_callers_get_unique_consecutive_numbers_and_share_reservations()
    {
        var store = new FakeReservations { Delay = TimeSpan.FromMilliseconds(5) };
        var allocator = new ReferenceBlockAllocator(50, store.Reserve);

        var tasks = Enumerable.Range(0, 1_000)
            .Select(_ => Task.Run(() => allocator.Next("acme", Nov26, CancellationToken.None)))
            .ToArray();
        var references = await Task.WhenAll(tasks);

        Assert.Equal(Enumerable.Range(1, 1_000), references.Select(r => r.Sequence).Order());
        Assert.Equal(20, store.Calls);
    }

    [Fact]
    public async Task A_block_reaching_past_999999_is_cut_short_and_then_the_day_is_full()
    {
        var calls = 0;
        var allocator = new ReferenceBlockAllocator(10, (_, _, size, _) => Task.FromResult(++calls == 1 ? 999_998L : 1_000_008L));

        Assert.Equal(999_998, (await allocator.Next("acme", Nov26, CancellationToken.None)).Sequence);
        Assert.Equal(999_999, (await allocator.Next("acme", Nov26, CancellationToken.None)).Sequence);
        var full = await Assert.ThrowsAsync<InvalidOperationException>(() => allocator.Next("acme", Nov26, CancellationToken.None));
        Assert.Contains("used", full.Message);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_reservation_returning_zero_is_an_error_not_a_reference()
    {
        var allocator = new ReferenceBlockAllocator(10, (_, _, _, _) => Task.FromResult(0L));
        await Assert.ThrowsAsync<InvalidOperationException>(() => allocator.Next("acme", Nov26, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_reservation_is_retried_by_the_next_caller()
    {
        var store = new FakeReservations();
        var failNext = true;
        var allocator = new ReferenceBlockAllocator(10, (tenant, day, size, ct) =>
        {
            if (failNext)
            {
                failNext = false;
                throw new TimeoutException("database busy");
            }

            return store.Reserve(tenant, day, size, ct);
        });

        await Assert.ThrowsAsync<TimeoutException>(() => allocator.Next("acme", Nov26, CancellationToken.None));
        Assert.Equal(new IncidentReference(Nov26, 1), await allocator.Next("acme", Nov26, CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_waiting_for_a_reservation_can_give_up()
    {
        var release = new TaskCompletionSource<long>();
        var allocator = new ReferenceBlockAllocator(10, (_, _, _, _) => release.Task);

        var first = allocator.Next("acme", Nov26, CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => allocator.Next("acme", Nov26, cancel.Token));

        release.SetResult(1);
        Assert.Equal(1, (await first).Sequence);
        Assert.Equal(2, (await allocator.Next("acme", Nov26, CancellationToken.None)).Sequence);
    }

    [Fact]
    public void Block_sizes_outside_1_to_999999_are_refused()
    {
        var store = new FakeReservations();
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReferenceBlockAllocator(0, store.Reserve));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReferenceBlockAllocator(1_000_000, store.Reserve));
    }
}

namespace Techmail.Incidents;

/// <summary>
/// Durably reserves <paramref name="blockSize"/> consecutive sequence numbers of <paramref name="tenant"/>'s
/// <paramref name="day"/> and returns the first of them. Every call must return a range no other call got, across
/// restarts and silos (a database counter incremented by blockSize, for instance); the allocator relies on it.
/// </summary>
public delegate Task<long> ReserveReferenceBlock(string tenant, DateOnly day, int blockSize, CancellationToken cancellationToken);

/// <summary>
/// Hands out incident references from blocks reserved through a <see cref="ReserveReferenceBlock"/>, so opening an
/// incident costs a storage round trip only once per block. Numbers a process reserved but did not use before it
/// stopped are skipped for good: references are unique and rising within a day, not gap-free.
/// </summary>
public sealed class ReferenceBlockAllocator
{
    private readonly int _blockSize;
    private readonly ReserveReferenceBlock _reserve;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TenantBlocks> _tenants = new(StringComparer.Ordinal);

    public ReferenceBlockAllocator(int blockSize, ReserveReferenceBlock reserve)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSize, IncidentReference.MaxSequence);
        ArgumentNullException.ThrowIfNull(reserve);
        _blockSize = blockSize;
        _reserve = reserve;
    }

    public int BlockSize => _blockSize;

    /// <summary>The next reference for <paramref name="tenant"/> on <paramref name="day"/>, the tenant's local day.</summary>
    /// <exception cref="InvalidOperationException">The day's 999,999 numbers are used up, or the reservation returned an unusable number.</exception>
    public async Task<IncidentReference> Next(string tenant, DateOnly day, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        if (day < IncidentReference.FirstDay || day > IncidentReference.LastDay)
        {
            throw new ArgumentOutOfRangeException(nameof(day), day, "a reference's two-digit year covers 2000 to 2099.");
        }

        TenantBlocks blocks;
        lock (_lock)
        {
            if (!_tenants.TryGetValue(tenant, out blocks!))
            {
                blocks = new TenantBlocks();
                _tenants.Add(tenant, blocks);
            }

            if (blocks.TryTake(day, out var sequence))
            {
                return new IncidentReference(day, sequence);
            }
        }

        // One reservation per tenant at a time: callers arriving while a block is being fetched wait for it and then
        // take from it, instead of each reserving a block of their own.
        await blocks.Reserving.WaitAsync(cancellationToken);
        try
        {
            lock (_lock)
            {
                if (blocks.TryTake(day, out var sequence))
                {
                    return new IncidentReference(day, sequence);
                }
            }

            var first = await _reserve(tenant, day, _blockSize, cancellationToken);
            if (first < 1)
            {
                throw new InvalidOperationException($"the reference reservation for {tenant} on {day:yyyy-MM-dd} returned {first}; sequences start at 1.");
            }

            if (first > IncidentReference.MaxSequence)
            {
                throw new InvalidOperationException($"all {IncidentReference.MaxSequence:N0} incident references of {day:yyyy-MM-dd} are used for {tenant}.");
            }

            lock (_lock)
            {
                // A block reaching past the last number is cut short; the next reservation reports the day full.
                var end = Math.Min(first + _blockSize, IncidentReference.MaxSequence + 1L);
                blocks.Install(day, first, end);
                blocks.TryTake(day, out var sequence);
                return new IncidentReference(day, sequence);
            }
        }
        finally
        {
            blocks.Reserving.Release();
        }
    }

    private sealed class TenantBlocks
    {
        // Keyed by day because callers around midnight, with clocks a little apart, ask for both days in turn; one
        // block per tenant would be thrown away and re-reserved at every alternation.
        private readonly Dictionary<DateOnly, Block> _byDay = [];

        public SemaphoreSlim Reserving { get; } = new(1, 1);

        public bool TryTake(DateOnly day, out long sequence)
        {
            if (_byDay.TryGetValue(day, out var block) && block.Next < block.End)
            {
                sequence = block.Next++;
                return true;
            }

            sequence = 0;
            return false;
        }

        public void Install(DateOnly day, long first, long end)
        {
            _byDay[day] = new Block { Next = first, End = end };
            // Only today and yesterday are still asked for; older blocks would only hold memory. The block just reserved
            // stays even when it is for an old day, so its caller gets its number.
            var newest = _byDay.Keys.Max();
            foreach (var old in _byDay.Keys.Where(d => d < newest.AddDays(-1) && d != day).ToList())
            {
                _byDay.Remove(old);
            }
        }
    }

    private sealed class Block
    {
        public long Next { get; set; }

        /// <summary>One past the last number of the block.</summary>
        public required long End { get; init; }
    }
}

namespace Techmail.Resources;

/// <summary>
/// The bytes of mail that this silo's polls (a downloaded batch) and incident builders (a batch read back) may hold in
/// memory at once. Each asks for its batch's bytes before it downloads or reads them, and waits while the silo already
/// holds more than <see cref="Total"/>. Requests are served in the order they came, so a large one is not starved by a
/// stream of small ones. A request larger than the whole budget is admitted once nothing else holds any, alone: a
/// single huge mail slows the silo down but can never stop it.
/// </summary>
/// <remarks>
/// The count is of mail bytes, not of every object their parse makes; the parse and decoded attachments come on top
/// (roughly as much again). A holder must never wait for more budget while it holds some and needs that wait to end
/// before it can release: polls and builders release a batch before they wait for the next one.
/// </remarks>
public sealed class MemoryBudget
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private long _held;
    private int _holders;
    private long _peak;
    private long _peakShared;
    private long _oversized;
    private long _waits;

    public MemoryBudget(long totalBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBytes, 1);
        Total = totalBytes;
    }

    public long Total { get; }

    /// <summary>What the budget holds and has held, for status and tests.</summary>
    public MemoryBudgetUse Use
    {
        get
        {
            lock (_lock)
            {
                return new MemoryBudgetUse(Total, _held, _holders, _waiting.Count, _peak, _peakShared, _oversized, _waits);
            }
        }
    }

    /// <summary>
    /// The bytes one batch should stay under: <paramref name="wanted"/>, but no more than a quarter of the budget, so that
    /// batches share it instead of each being admitted alone.
    /// </summary>
    public long BatchBytes(long wanted) => Math.Max(1, Math.Min(wanted, Total / 4));

    /// <summary>Waits until <paramref name="bytes"/> may be held; dispose the lease once they are let go.</summary>
    public ValueTask<MemoryLease> Acquire(long bytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        cancellationToken.ThrowIfCancellationRequested();
        if (bytes == 0)
        {
            return ValueTask.FromResult(new MemoryLease(this, 0));
        }

        lock (_lock)
        {
            if (_waiting.Count == 0 && Fits(bytes))
            {
                return ValueTask.FromResult(Grant(bytes));
            }

            _waits++;
            var waiter = new Waiter(bytes);
            var node = _waiting.AddLast(waiter);
            if (cancellationToken.CanBeCanceled)
            {
                waiter.Registration = cancellationToken.Register(() => Cancel(node, cancellationToken));
            }

            return new ValueTask<MemoryLease>(waiter.Granted.Task);
        }
    }

    /// <summary>Nothing held (a request alone is always admitted), or room for it within the total.</summary>
    private bool Fits(long bytes) => _held == 0 || _held + bytes <= Total;

    private MemoryLease Grant(long bytes)
    {
        if (_held == 0 && bytes > Total)
        {
            _oversized++;
        }

        Add(bytes);
        _holders++;
        return new MemoryLease(this, bytes);
    }

    private void Add(long bytes)
    {
        _held += bytes;
        _peak = Math.Max(_peak, _held);
        if (_holders > 0)
        {
            // Another holder is there: this is what the budget shares out, which must stay within the total.
            _peakShared = Math.Max(_peakShared, _held);
        }
    }

    /// <param name="leaving">The lease holds nothing after this.</param>
    internal void Release(long bytes, bool leaving)
    {
        List<(Waiter, MemoryLease)> granted;
        lock (_lock)
        {
            _held -= bytes;
            if (leaving)
            {
                _holders--;
            }

            granted = GrantWaiting();
        }

        Complete(granted);
    }

    /// <summary>A lease that found its batch bigger than it asked for (a server that listed no size) holds what it has.</summary>
    /// <param name="joining">The lease held nothing before this.</param>
    internal void Grow(long bytes, bool joining)
    {
        lock (_lock)
        {
            // Not waited for: the bytes are already in memory. Counting them keeps others waiting until they go.
            if (!joining)
            {
                _holders--;
            }

            Add(bytes);
            _holders++;
        }
    }

    private List<(Waiter, MemoryLease)> GrantWaiting()
    {
        var granted = new List<(Waiter, MemoryLease)>();
        while (_waiting.First is { } first && Fits(first.Value.Bytes))
        {
            _waiting.RemoveFirst();
            granted.Add((first.Value, Grant(first.Value.Bytes)));
        }

        return granted;
    }

    private void Cancel(LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        List<(Waiter, MemoryLease)> granted;
        lock (_lock)
        {
            if (node.List is null)
            {
                // Granted meanwhile: the lease is the caller's to dispose.
                return;
            }

            _waiting.Remove(node);
            // A large request leaving the head may let smaller ones behind it in.
            granted = GrantWaiting();
        }

        node.Value.Granted.TrySetCanceled(cancellationToken);
        Complete(granted);
    }

    private static void Complete(List<(Waiter Waiter, MemoryLease Lease)> granted)
    {
        // Outside the lock: the continuations run elsewhere (RunContinuationsAsynchronously), but disposing a
        // registration waits for a cancellation callback that may be waiting for the lock.
        foreach (var (waiter, lease) in granted)
        {
            waiter.Registration.Dispose();
            waiter.Granted.SetResult(lease);
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource<MemoryLease> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}

/// <param name="Holders">Leases holding bytes now.</param>
/// <param name="Peak">The most ever held at once, a request admitted alone included.</param>
/// <param name="PeakShared">The most ever held at once by two or more leases: never above <see cref="Total"/> unless a server under-reported sizes.</param>
/// <param name="OversizedAdmissions">Requests larger than the whole budget, each admitted alone.</param>
/// <param name="Waits">Requests that had to wait for budget.</param>
public sealed record MemoryBudgetUse(long Total, long Held, int Holders, int Waiting, long Peak, long PeakShared, long OversizedAdmissions, long Waits);

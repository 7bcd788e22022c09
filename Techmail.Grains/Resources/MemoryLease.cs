namespace Techmail.Resources;

/// <summary>Bytes held from the <see cref="MemoryBudget"/>; disposing gives them back (once, however often it is called).</summary>
public sealed class MemoryLease : IDisposable
{
    private readonly MemoryBudget _budget;
    private readonly Lock _lock = new();
    private long _bytes;
    private bool _released;

    internal MemoryLease(MemoryBudget budget, long bytes)
    {
        _budget = budget;
        _bytes = bytes;
    }

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// Sets the lease to what its batch turned out to hold: less gives the rest back at once; more (a server that did
    /// not say a message's size) is counted without waiting, since the bytes are already here.
    /// </summary>
    public void Settle(long actualBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actualBytes);
        lock (_lock)
        {
            if (_released || actualBytes == _bytes)
            {
                return;
            }

            var before = _bytes;
            _bytes = actualBytes;
            if (actualBytes < before)
            {
                _budget.Release(before - actualBytes, leaving: actualBytes == 0);
            }
            else
            {
                _budget.Grow(actualBytes - before, joining: before == 0);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_released)
            {
                return;
            }

            _released = true;
            if (_bytes > 0)
            {
                _budget.Release(_bytes, leaving: true);
            }
        }
    }
}

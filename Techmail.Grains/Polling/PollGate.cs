using System.Collections.Concurrent;

namespace Techmail.Polling;

/// <summary>
/// Caps how many poll sessions this silo runs at once, in all and per mail host, so a large tenant
/// cannot overwhelm its own mail server or the silo.
/// </summary>
public sealed class PollGate(int maxPerSilo, int maxPerHost)
{
    private readonly SemaphoreSlim _silo = new(maxPerSilo, maxPerSilo);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public int InUse => maxPerSilo - _silo.CurrentCount;

    /// <summary>True when a slot is free right now, so the caller can say "waiting" only when it really waits.</summary>
    public bool WouldWait(string host) => _silo.CurrentCount == 0 || Host(host).CurrentCount == 0;

    public async Task<IDisposable> Enter(string host, CancellationToken cancellationToken)
    {
        var perHost = Host(host);
        await perHost.WaitAsync(cancellationToken);
        try
        {
            await _silo.WaitAsync(cancellationToken);
        }
        catch
        {
            perHost.Release();
            throw;
        }

        return new Slot(_silo, perHost);
    }

    private SemaphoreSlim Host(string host) => _hosts.GetOrAdd(host, _ => new SemaphoreSlim(maxPerHost, maxPerHost));

    private sealed class Slot(SemaphoreSlim silo, SemaphoreSlim host) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                silo.Release();
                host.Release();
            }
        }
    }
}

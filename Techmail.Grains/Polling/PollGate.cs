using System.Collections.Concurrent;

namespace Techmail.Polling;

/// <summary>
/// Caps how many poll sessions this silo runs at once, in all and per mail host, so a large tenant cannot overwhelm
/// its own mail server or the silo, and keeps tenants from taking each other's turns:
/// <list type="bullet">
/// <item>a freed slot goes to the waiting tenant holding the fewest slots, so a tenant with a thousand mailboxes due
/// at once (or a thousand hanging) never makes another tenant wait behind all of them;</item>
/// <item>a mailbox whose last poll failed polls in a small pool of its own (a quarter of the limits, at least one), so
/// failing mailboxes, however many and however slow to fail, never hold a slot a healthy mailbox could use.</item>
/// </list>
/// </summary>
public sealed class PollGate(int maxPerSilo, int maxPerHost)
{
    private readonly FairSlots _silo = new(maxPerSilo);
    private readonly FairSlots _siloFailing = new(Math.Max(1, maxPerSilo / 4));
    private readonly ConcurrentDictionary<string, FairSlots> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, FairSlots> _hostsFailing = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Slots taken now, by healthy and failing mailboxes.</summary>
    public int InUse => _silo.InUse + _siloFailing.InUse;

    /// <summary>True when no slot is free right now, so the caller can say "waiting" only when it really waits.</summary>
    public bool WouldWait(string host, bool failing = false) =>
        failing ? _siloFailing.Full || Failing(host).Full : _silo.Full || Host(host).Full;

    /// <param name="tenant">Whose turn it is: free slots are shared out between the tenants waiting.</param>
    /// <param name="failing">The mailbox's last poll failed: it takes a slot of the failing pool.</param>
    public async Task<IDisposable> Enter(string host, string tenant, bool failing, CancellationToken cancellationToken)
    {
        var (perHost, silo) = failing ? (Failing(host), _siloFailing) : (Host(host), _silo);
        var hostSlot = await perHost.Take(tenant, cancellationToken);
        try
        {
            var siloSlot = await silo.Take(tenant, cancellationToken);
            return new Both(siloSlot, hostSlot);
        }
        catch
        {
            hostSlot.Dispose();
            throw;
        }
    }

    private FairSlots Host(string host) => _hosts.GetOrAdd(host, _ => new FairSlots(maxPerHost));

    private FairSlots Failing(string host) => _hostsFailing.GetOrAdd(host, _ => new FairSlots(Math.Max(1, maxPerHost / 4)));

    private sealed class Both(IDisposable silo, IDisposable host) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                silo.Dispose();
                host.Dispose();
            }
        }
    }
}

/// <summary>A counted set of slots whose waiters are served tenant by tenant: the tenant holding the fewest goes first.</summary>
internal sealed class FairSlots(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly LinkedList<Waiter> _waiting = new();
    private int _inUse;

    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    public bool Full
    {
        get
        {
            lock (_lock)
            {
                return _inUse >= capacity;
            }
        }
    }

    public Task<IDisposable> Take(string tenant, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_inUse < capacity && _waiting.Count == 0)
            {
                Grant(tenant);
                return Task.FromResult<IDisposable>(new Slot(this, tenant));
            }

            waiter = new Waiter(tenant);
            waiter.Node = _waiting.AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.Register(() => Cancel(waiter, cancellationToken));
        }

        return waiter.Granted.Task;
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
            {
                // Granted already: the slot is the caller's, to give back by disposing it.
                return;
            }

            _waiting.Remove(waiter.Node);
        }

        waiter.Granted.TrySetCanceled(cancellationToken);
    }

    private void Release(string tenant)
    {
        Waiter? next = null;
        lock (_lock)
        {
            _inUse--;
            if (--_held[tenant] == 0)
            {
                _held.Remove(tenant);
            }

            if (_waiting.Count > 0)
            {
                // The oldest waiter of the tenant holding the fewest slots.
                var best = _waiting.First!;
                for (var node = best.Next; node is not null; node = node.Next)
                {
                    if (Held(node.Value.Tenant) < Held(best.Value.Tenant))
                    {
                        best = node;
                    }
                }

                _waiting.Remove(best);
                Grant(best.Value.Tenant);
                next = best.Value;
            }
        }

        if (next is not null)
        {
            next.Cancellation.Dispose();
            // Completed outside the lock: the waiter's continuation may run right here.
            next.Granted.TrySetResult(new Slot(this, next.Tenant));
        }
    }

    private int Held(string tenant) => _held.GetValueOrDefault(tenant);

    private void Grant(string tenant)
    {
        _inUse++;
        _held[tenant] = Held(tenant) + 1;
    }

    private sealed class Waiter(string tenant)
    {
        public string Tenant { get; } = tenant;
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Cancellation { get; set; }
        public TaskCompletionSource<IDisposable> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Slot(FairSlots slots, string tenant) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(tenant);
            }
        }
    }
}

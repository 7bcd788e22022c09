using System.Collections.Concurrent;

namespace Techmail.Polling;

/// <summary>
/// Caps how many poll sessions this silo runs at once, in all and per mail host, so a large tenant cannot overwhelm
/// its own mail server or the silo, and keeps tenants from taking each other's turns:
/// <list type="bullet">
/// <item>each host's limit adapts (<see cref="AdaptiveSessionLimit"/>): it grows while polls wait for it and stay quick,
/// and shrinks when the host pushes back, within the host's floor and ceiling;</item>
/// <item>a freed slot goes to the waiting tenant holding the fewest slots, so a tenant with a thousand mailboxes due
/// at once (or a thousand hanging) never makes another tenant wait behind all of them;</item>
/// <item>a mailbox whose last poll failed polls in a small pool of its own (a quarter of the limits, at least one), so
/// failing mailboxes, however many and however slow to fail, never hold a slot a healthy mailbox could use.</item>
/// </list>
/// </summary>
public sealed class PollGate
{
    private readonly PollingLimits _limits;
    private readonly TimeProvider _time;
    private readonly FairSlots _silo;
    private readonly FairSlots _siloFailing;
    private readonly ConcurrentDictionary<string, HostSessions> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public PollGate(PollingLimits limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
        _silo = new FairSlots(limits.MaxConcurrentPolls);
        _siloFailing = new FairSlots(Quarter(limits.MaxConcurrentPolls));
        Observability.TechmailMetrics.WatchLimits(Snapshot);
    }

    /// <summary>Slots taken now, by healthy and failing mailboxes.</summary>
    public int InUse => _silo.InUse + _siloFailing.InUse;

    /// <summary>True when no slot is free right now, so the caller can say "waiting" only when it really waits.</summary>
    public bool WouldWait(string host, bool failing = false) =>
        failing ? _siloFailing.Full || Host(host).Failing.Full : _silo.Full || Host(host).Healthy.Full;

    /// <param name="tenant">Whose turn it is: free slots are shared out between the tenants waiting.</param>
    /// <param name="failing">The mailbox's last poll failed: it takes a slot of the failing pool.</param>
    public async Task<IDisposable> Enter(string host, string tenant, bool failing, CancellationToken cancellationToken)
    {
        var sessions = Host(host);
        var (perHost, silo) = failing ? (sessions.Failing, _siloFailing) : (sessions.Healthy, _silo);
        var hostSlot = await perHost.Take(tenant, cancellationToken, LimitScope.Host);
        try
        {
            var siloSlot = await silo.Take(tenant, cancellationToken, LimitScope.Silo);
            return new Both(siloSlot, hostSlot);
        }
        catch
        {
            hostSlot.Dispose();
            throw;
        }
    }

    /// <summary>A poll of <paramref name="host"/> ended well after <paramref name="duration"/>: the host's limit may grow.</summary>
    public void Succeeded(string host, TimeSpan duration)
    {
        var sessions = Host(host);
        // Only a limit that holds polls back is worth raising.
        sessions.Apply(sessions.Limit.Succeeded(duration, limited: sessions.Healthy.Waiting > 0));
    }

    /// <summary><paramref name="host"/> pushed back on a session: its limit shrinks.</summary>
    public void PushedBack(string host, ServerPushback why)
    {
        var sessions = Host(host);
        sessions.Apply(sessions.Limit.PushedBack(why));
        Observability.TechmailMetrics.Pushback(why);
    }

    /// <summary>Every limit as it is now, for status and metrics.</summary>
    public SessionLimitsSnapshot Snapshot() => new(
        new SiloLimitState(_limits.MaxConcurrentPolls, _silo.InUse, _silo.Waiting, _silo.Waits),
        _hosts.Select(h => new HostLimitState(h.Key, h.Value.Limit.State, h.Value.Healthy.InUse + h.Value.Failing.InUse, h.Value.Healthy.Waiting, h.Value.Healthy.Waits)).ToList());

    private HostSessions Host(string host) => _hosts.GetOrAdd(host, h => new HostSessions(new AdaptiveSessionLimit(_limits.ForHost(h), _time)));

    private static int Quarter(int limit) => Math.Max(1, limit / 4);

    /// <summary>One host's adaptive limit and the two pools it sizes.</summary>
    private sealed class HostSessions
    {
        public HostSessions(AdaptiveSessionLimit limit)
        {
            Limit = limit;
            Healthy = new FairSlots(limit.Limit);
            Failing = new FairSlots(Quarter(limit.Limit));
        }

        public AdaptiveSessionLimit Limit { get; }

        public FairSlots Healthy { get; }

        public FairSlots Failing { get; }

        public void Apply(int limit)
        {
            Healthy.Resize(limit);
            Failing.Resize(Quarter(limit));
        }
    }

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

/// <summary>Which limit held a session back.</summary>
public enum LimitScope
{
    Silo,
    Host,
    Account,
}

public sealed record SiloLimitState(int Limit, int InUse, int Waiting, long Waits);

/// <param name="Waits">Polls that waited for this host's limit since the silo started.</param>
public sealed record HostLimitState(string Host, AdaptiveLimitState Limit, int InUse, int Waiting, long Waits);

public sealed record SessionLimitsSnapshot(SiloLimitState Silo, IReadOnlyList<HostLimitState> Hosts);

/// <summary>A counted set of slots whose waiters are served tenant by tenant: the tenant holding the fewest goes first.</summary>
internal sealed class FairSlots(int capacity)
{
    private int _capacity = capacity;
    private long _waits;
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
                return _inUse >= _capacity;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Takes that had to wait, since these slots were made.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>
    /// Changes how many slots there are. More let waiters in at once; fewer take nothing back from the holders, and
    /// new takers wait until enough have been given back.
    /// </summary>
    public void Resize(int newCapacity)
    {
        var granted = new List<Waiter>();
        lock (_lock)
        {
            if (newCapacity == _capacity)
            {
                return;
            }

            _capacity = newCapacity;
            while (_inUse < _capacity && _waiting.Count > 0)
            {
                granted.Add(GrantNext());
            }
        }

        foreach (var waiter in granted)
        {
            Hand(waiter);
        }
    }

    public Task<IDisposable> Take(string tenant, CancellationToken cancellationToken, LimitScope scope)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_inUse < _capacity && _waiting.Count == 0)
            {
                Grant(tenant);
                return Task.FromResult<IDisposable>(new Slot(this, tenant));
            }

            waiter = new Waiter(tenant);
            waiter.Node = _waiting.AddLast(waiter);
        }

        Interlocked.Increment(ref _waits);
        Observability.TechmailMetrics.LimitWaited(scope);

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

            // After a shrink, slots given back first bring the count under the new capacity.
            if (_waiting.Count > 0 && _inUse < _capacity)
            {
                next = GrantNext();
            }
        }

        if (next is not null)
        {
            Hand(next);
        }
    }

    /// <summary>The oldest waiter of the tenant holding the fewest slots, taken off the list and counted in. Under the lock.</summary>
    private Waiter GrantNext()
    {
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
        return best.Value;
    }

    /// <summary>Completed outside the lock: the waiter's continuation may run right here.</summary>
    private void Hand(Waiter waiter)
    {
        waiter.Cancellation.Dispose();
        waiter.Granted.TrySetResult(new Slot(this, waiter.Tenant));
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

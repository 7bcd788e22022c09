namespace Techmail.Polling;

/// <summary>
/// Sessions this silo holds with one account on one server. Anything that keeps a logged-in connection (a poll's
/// session, one opened early for its next part, a connection kept for the next poll) holds one of these for as long
/// as the connection lives.
/// </summary>
public interface IAccountSessionLimit
{
    /// <summary>Waits until the account has a session to spare; dispose the result when the connection closes.</summary>
    Task<IDisposable> Enter(MailAccount account, CancellationToken cancellationToken);

    /// <summary>A session of the account if one is free now, without waiting (for a connection that is only worth keeping, not needed).</summary>
    IDisposable? TryEnter(MailAccount account);
}

/// <summary>
/// The per-account session limit: providers count connections per account (Gmail about 15, Microsoft 365 about 20),
/// so a silo never opens more than the host's share (<see cref="HostSessionLimits.PerAccount"/>) with one account,
/// whatever else polls. Entries exist only while an account has sessions or waiters, so 100,000 accounts cost nothing
/// between polls.
/// </summary>
public sealed class AccountSessions(PollingLimits limits) : IAccountSessionLimit
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Server, string User), Entry> _accounts = [];
    private long _waits;

    /// <summary>Sessions that had to wait for their account's limit since the silo started.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Sessions open now, all accounts together.</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _accounts.Values.Sum(e => e.InUse);
            }
        }
    }

    public Task<IDisposable> Enter(MailAccount account, CancellationToken cancellationToken)
    {
        var key = Key(account);
        Waiter waiter;
        lock (_lock)
        {
            var entry = Get(key, account);
            if (entry.InUse < entry.Capacity && entry.Waiting.Count == 0)
            {
                entry.InUse++;
                return Task.FromResult<IDisposable>(new Lease(this, key));
            }

            waiter = new Waiter();
            waiter.Node = entry.Waiting.AddLast(waiter);
        }

        Interlocked.Increment(ref _waits);
        Observability.TechmailMetrics.LimitWaited(LimitScope.Account);
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.Register(() => Cancel(key, waiter, cancellationToken));
        }

        return waiter.Granted.Task;
    }

    public IDisposable? TryEnter(MailAccount account)
    {
        var key = Key(account);
        lock (_lock)
        {
            var entry = Get(key, account);
            if (entry.InUse < entry.Capacity && entry.Waiting.Count == 0)
            {
                entry.InUse++;
                return new Lease(this, key);
            }

            Forget(key, entry);
            return null;
        }
    }

    private static (string, string) Key(MailAccount account) => (account.Server, account.User.ToLowerInvariant());

    private Entry Get((string Server, string User) key, MailAccount account)
    {
        if (!_accounts.TryGetValue(key, out var entry))
        {
            // The server is host:port; the host's settings name the host alone.
            var host = account.Server[..Math.Max(0, account.Server.LastIndexOf(':'))];
            entry = new Entry(limits.ForHost(host.Length == 0 ? account.Server : host).PerAccount);
            _accounts[key] = entry;
        }

        return entry;
    }

    private void Forget((string, string) key, Entry entry)
    {
        if (entry.InUse == 0 && entry.Waiting.Count == 0)
        {
            _accounts.Remove(key);
        }
    }

    private void Cancel((string, string) key, Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is not { } list)
            {
                // Granted already: the caller gives it back by disposing it.
                return;
            }

            list.Remove(waiter.Node);
            if (_accounts.TryGetValue(key, out var entry))
            {
                Forget(key, entry);
            }
        }

        waiter.Granted.TrySetCanceled(cancellationToken);
    }

    private void Release((string, string) key)
    {
        Waiter? next = null;
        lock (_lock)
        {
            var entry = _accounts[key];
            if (entry.Waiting.First is { } first)
            {
                // The slot passes straight to the next waiter: InUse stays as it is.
                entry.Waiting.RemoveFirst();
                next = first.Value;
            }
            else
            {
                entry.InUse--;
                Forget(key, entry);
            }
        }

        if (next is not null)
        {
            next.Cancellation.Dispose();
            next.Granted.TrySetResult(new Lease(this, key));
        }
    }

    private sealed class Entry(int capacity)
    {
        public int Capacity { get; } = capacity;
        public int InUse { get; set; }
        public LinkedList<Waiter> Waiting { get; } = new();
    }

    private sealed class Waiter
    {
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Cancellation { get; set; }
        public TaskCompletionSource<IDisposable> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(AccountSessions owner, (string, string) key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(key);
            }
        }
    }
}

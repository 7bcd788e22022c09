using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>
/// The breaker of a whole mail server, shared by every tenant's mailboxes on it. It counts only failures that are
/// the server's beyond doubt, those before any login (connection refused, timed out, dropped before the greeting),
/// and opens only once several distinct accounts met them within the sampling window with no connection getting
/// through meanwhile: one mailbox retrying, a wrong password or a poisonous message never opens it. Open, it lets
/// no session try for the break duration, then one probe; the probe reaching the server closes it.
/// </summary>
public sealed class ServerBreaker(PollingLimits limits, TimeProvider time)
{
    /// <summary>Distinct accounts that must fail to reach the server before it is taken for down.</summary>
    public const int DistinctAccounts = 3;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _failed = new(StringComparer.Ordinal);
    private DateTimeOffset? _openUntil;
    private DateTimeOffset? _probeSince;

    private TimeSpan Window => TimeSpan.FromSeconds(Math.Max(30, limits.CircuitBreakDuration.TotalSeconds * 2));

    /// <summary>Whether a session may try to connect now; when not, how long until it may.</summary>
    public bool TryEnter(out TimeSpan retryAfter)
    {
        lock (_lock)
        {
            retryAfter = TimeSpan.Zero;
            if (_openUntil is not { } until)
            {
                return true;
            }

            var now = time.GetUtcNow();
            if (now < until)
            {
                retryAfter = until - now;
                return false;
            }

            // Half open: one probe at a time. A probe that never reported (its poll was cancelled) is given up on
            // after a step's time limit, so the breaker cannot stay stuck half open.
            if (_probeSince is { } since && now - since < limits.StepTimeout)
            {
                retryAfter = limits.CircuitBreakDuration;
                return false;
            }

            _probeSince = now;
            return true;
        }
    }

    /// <summary>A session reached the server (whatever happened after): the server is up.</summary>
    public void Reached()
    {
        lock (_lock)
        {
            _failed.Clear();
            _openUntil = null;
            _probeSince = null;
        }
    }

    /// <summary>A session of <paramref name="account"/> could not reach the server.</summary>
    public void Unreachable(string account)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var stale in _failed.Where(f => now - f.Value > Window).Select(f => f.Key).ToList())
            {
                _failed.Remove(stale);
            }

            _failed[account] = now;
            if (_probeSince is not null || _failed.Count >= DistinctAccounts)
            {
                _openUntil = now + limits.CircuitBreakDuration;
                _probeSince = null;
            }
        }
    }

    public CircuitState State
    {
        get
        {
            lock (_lock)
            {
                return _openUntil is not { } until ? CircuitState.Closed
                    : time.GetUtcNow() < until ? CircuitState.Open
                    : CircuitState.HalfOpen;
            }
        }
    }
}

/// <summary>A poll refused at once because its server's breaker is open.</summary>
public sealed class ServerUnreachableException(string server, TimeSpan retryAfter)
    : Exception($"{server}: circuit open, the server could not be reached by {ServerBreaker.DistinctAccounts} or more accounts; next try in {Math.Max(1, retryAfter.TotalSeconds):0}s")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

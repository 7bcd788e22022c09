namespace Techmail.Polling;

/// <summary>
/// How many poll sessions one mail host gets at once, found by trying: additive increase, multiplicative decrease, as
/// TCP finds a window. While the limit holds polls back and polls stay quick and unrefused it grows, by one a session
/// at first (doubling each round) and, after the first pushback, by one a round; each pushback (refused, reset or timed
/// out connections, <c>[IN-USE]</c>, <c>[SYS/TEMP]</c>) cuts it to <see cref="Decrease"/> of itself, once a round, so a
/// burst of refusals from one overload counts once. It stays within the host's floor and ceiling.
/// <para>
/// Latency only holds growth back, never shrinks the limit: poll time includes the silo's own CPU and database, and
/// shrinking for those would cut throughput when the cause is at home. A server slowing under load stops the growth;
/// one refusing or timing out shrinks it.
/// </para>
/// </summary>
public sealed class AdaptiveSessionLimit
{
    /// <summary>What the limit keeps of itself on a pushback.</summary>
    public const double Decrease = 0.7;

    /// <summary>Polls are "quick" while their recent average is within this many times the quickest recent average...</summary>
    public const double LatencyTolerance = 2.0;

    /// <summary>... plus this much: on a fast server, tens of milliseconds of scheduling noise are not a slowing server.</summary>
    public static readonly TimeSpan LatencySlack = TimeSpan.FromSeconds(1);

    /// <summary>How long the quickest recent average is remembered: a server that became slower for good is its new normal after this.</summary>
    public static readonly TimeSpan BaselineMemory = TimeSpan.FromMinutes(5);

    /// <summary>The shortest round: however quick the polls, two pushbacks within this are one overload.</summary>
    public static readonly TimeSpan MinimumRound = TimeSpan.FromSeconds(1);

    // Weight of one poll in the recent average: about the last twenty polls.
    private const double Smoothing = 0.1;

    private readonly Lock _lock = new();
    private readonly HostSessionLimits _range;
    private readonly TimeProvider _time;
    private readonly (long Minute, double Seconds)[] _quickest = new (long, double)[(int)BaselineMemory.TotalMinutes];
    private int _limit;
    private int _credit;
    private bool _slowStart = true;
    private double _recent;
    private DateTimeOffset _lastCut = DateTimeOffset.MinValue;
    private ServerPushback? _lastPushback;
    private long _pushbacks;

    public AdaptiveSessionLimit(HostSessionLimits range, TimeProvider time)
    {
        _range = range;
        _time = time;
        _limit = Math.Clamp(range.Initial, range.Floor, range.Ceiling);
    }

    public HostSessionLimits Range => _range;

    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>
    /// A poll ended well after <paramref name="duration"/>. <paramref name="limited"/>: the limit was reached while it
    /// ran (others waited for a slot); only then does a larger limit help, and only then does it grow.
    /// </summary>
    /// <returns>The limit now.</returns>
    public int Succeeded(TimeSpan duration, bool limited)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var seconds = Math.Max(0, duration.TotalSeconds);
            var quickest = Quickest(now);
            if (quickest is { } q)
            {
                // One very long poll (a mailbox with a large backlog) moves the average only so far.
                seconds = Math.Min(seconds, 3 * QuickEnough(q));
            }

            _recent = _recent == 0 ? seconds : _recent + Smoothing * (seconds - _recent);
            Remember(now, _recent);
            if (!limited)
            {
                return _limit;
            }

            if (quickest is { } baseline && _recent > QuickEnough(baseline))
            {
                // Slowing: stop doubling and hold where the limit is.
                _slowStart = false;
                return _limit;
            }

            if (_slowStart || ++_credit >= _limit)
            {
                // Doubling: one more for each poll. Then one more for each limit's worth of polls: one a round.
                _credit = 0;
                _limit = Math.Min(_range.Ceiling, _limit + 1);
            }

            return _limit;
        }
    }

    /// <summary>The host pushed back: the limit shrinks, unless it already did within this round.</summary>
    /// <returns>The limit now.</returns>
    public int PushedBack(ServerPushback why)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _pushbacks++;
            _lastPushback = why;
            _slowStart = false;
            var round = TimeSpan.FromSeconds(Math.Max(MinimumRound.TotalSeconds, _recent));
            if (now - _lastCut < round)
            {
                return _limit;
            }

            _lastCut = now;
            _limit = Math.Max(_range.Floor, (int)Math.Floor(_limit * Decrease + 1e-9));
            _credit = 0;
            return _limit;
        }
    }

    public AdaptiveLimitState State
    {
        get
        {
            lock (_lock)
            {
                return new AdaptiveLimitState(
                    _limit, _range.Floor, _range.Ceiling, TimeSpan.FromSeconds(_recent), _pushbacks, _lastPushback,
                    _lastCut == DateTimeOffset.MinValue ? null : _lastCut);
            }
        }
    }

    private static double QuickEnough(double quickest) => LatencyTolerance * quickest + LatencySlack.TotalSeconds;

    private void Remember(DateTimeOffset now, double seconds)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        ref var slot = ref _quickest[minute % _quickest.Length];
        slot = slot.Minute == minute && slot.Seconds <= seconds ? slot : (minute, seconds);
    }

    /// <summary>The quickest recent average of the last few minutes; null before the first poll.</summary>
    private double? Quickest(DateTimeOffset now)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        double? quickest = null;
        foreach (var (m, s) in _quickest)
        {
            if (m > 0 && minute - m < _quickest.Length && (quickest is null || s < quickest))
            {
                quickest = s;
            }
        }

        return quickest;
    }
}

/// <summary>An adaptive limit as status and metrics show it.</summary>
public sealed record AdaptiveLimitState(
    int Limit, int Floor, int Ceiling, TimeSpan RecentPoll, long Pushbacks, ServerPushback? LastPushback, DateTimeOffset? LastCut);

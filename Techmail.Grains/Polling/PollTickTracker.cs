namespace Techmail.Polling;

/// <summary>What one reminder tick was: the scheduled time it stands for, and whether ticks were missed or repeated.</summary>
public readonly record struct PollTick(DateTimeOffset Scheduled, int Missed, bool Doubled);

/// <summary>
/// Places each reminder tick a mailbox receives on its schedule (first tick + n periods), so lateness is measured
/// against when the poll was due rather than when the tick happened to arrive, and a tick the reminder service
/// dropped or delivered twice is counted instead of passing unseen. Lives as long as the activation.
/// </summary>
public sealed class PollTickTracker
{
    // Timers may fire a little early; a tick this close before its time still belongs to it.
    private static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(500);

    private DateTimeOffset? _last;
    private TimeSpan _period;

    public static DateTimeOffset Scheduled(DateTimeOffset firstTick, TimeSpan period, DateTimeOffset now)
    {
        if (period <= TimeSpan.Zero || now < firstTick)
        {
            return firstTick;
        }

        var elapsed = now - firstTick + EarlyTolerance;
        return firstTick + (period * Math.Floor(elapsed / period));
    }

    public PollTick Observe(DateTimeOffset firstTick, TimeSpan period, DateTimeOffset now)
    {
        var scheduled = Scheduled(firstTick, period, now);
        if (_last is not { } last || period != _period)
        {
            // First tick of this activation or of a new period: nothing to compare with.
            (_last, _period) = (scheduled, period);
            return new PollTick(scheduled, 0, false);
        }

        if (scheduled <= last)
        {
            return new PollTick(scheduled, 0, true);
        }

        var missed = (int)Math.Max(0, Math.Round((scheduled - last) / period) - 1);
        _last = scheduled;
        return new PollTick(scheduled, missed, false);
    }
}

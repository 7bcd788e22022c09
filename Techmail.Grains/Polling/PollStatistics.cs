namespace Techmail.Polling;

/// <summary>Why a due poll did not run.</summary>
public enum PollSkip
{
    /// <summary>The previous poll of the mailbox was still running.</summary>
    Busy,

    /// <summary>The mailbox is backing off after repeated failures.</summary>
    Backoff,
}

/// <summary>One silo's polling in one minute, as flushed to <c>techmail_poll_minutes</c>.</summary>
public sealed record PollMinuteRecord(
    long MinuteUnix,
    long Polls,
    LatenessHistogram Lateness,
    long BusySkips,
    long BackoffSkips,
    long MissedTicks,
    long DoubledTicks,
    long FailedPolls,
    long Messages);

/// <summary>
/// This silo's poll timing, minute by minute: how late scheduled polls started, which were skipped and why,
/// and ticks the reminder service missed or doubled. Kept in memory and flushed by <see cref="PollStatisticsFlusher"/>.
/// </summary>
public sealed class PollStatistics(TimeProvider time)
{
    private const int MinutesKept = 5;

    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, Minute> _minutes = [];

    public void Started(TimeSpan lateness)
    {
        lock (_lock)
        {
            var minute = Current();
            minute.Polls++;
            minute.Lateness.Add(lateness);
        }
    }

    public void Skipped(PollSkip reason)
    {
        lock (_lock)
        {
            var minute = Current();
            if (reason == PollSkip.Busy)
            {
                minute.BusySkips++;
            }
            else
            {
                minute.BackoffSkips++;
            }
        }
    }

    public void Ticked(PollTick tick)
    {
        if (tick.Missed == 0 && !tick.Doubled)
        {
            return;
        }

        lock (_lock)
        {
            var minute = Current();
            minute.MissedTicks += tick.Missed;
            minute.DoubledTicks += tick.Doubled ? 1 : 0;
        }
    }

    public void Finished(bool succeeded, int messages)
    {
        lock (_lock)
        {
            var minute = Current();
            minute.FailedPolls += succeeded ? 0 : 1;
            minute.Messages += messages;
        }
    }

    /// <summary>The minutes that changed since the last call, whole (each is written over its previous row).</summary>
    public IReadOnlyList<PollMinuteRecord> TakeChanged()
    {
        lock (_lock)
        {
            var changed = _minutes.Where(m => m.Value.Dirty).Select(m => m.Value.Record(m.Key)).ToList();
            foreach (var minute in _minutes.Values)
            {
                minute.Dirty = false;
            }

            return changed;
        }
    }

    /// <summary>Puts minutes back as changed after a failed write, so the next flush tries them again.</summary>
    public void MarkChanged(IEnumerable<PollMinuteRecord> minutes)
    {
        lock (_lock)
        {
            foreach (var record in minutes)
            {
                if (_minutes.TryGetValue(record.MinuteUnix, out var minute))
                {
                    minute.Dirty = true;
                }
            }
        }
    }

    private Minute Current()
    {
        var key = time.GetUtcNow().ToUnixTimeSeconds() / 60 * 60;
        if (!_minutes.TryGetValue(key, out var minute))
        {
            _minutes[key] = minute = new Minute();
            while (_minutes.Count > MinutesKept)
            {
                // Old minutes were flushed long ago; an unflushed old minute means storage is down, and memory wins.
                _minutes.Remove(_minutes.Keys.First());
            }
        }

        minute.Dirty = true;
        return minute;
    }

    private sealed class Minute
    {
        public LatenessHistogram Lateness { get; } = new();
        public long Polls { get; set; }
        public long BusySkips { get; set; }
        public long BackoffSkips { get; set; }
        public long MissedTicks { get; set; }
        public long DoubledTicks { get; set; }
        public long FailedPolls { get; set; }
        public long Messages { get; set; }
        public bool Dirty { get; set; }

        public PollMinuteRecord Record(long key)
        {
            var lateness = new LatenessHistogram();
            lateness.Merge(Lateness);
            return new PollMinuteRecord(key, Polls, lateness, BusySkips, BackoffSkips, MissedTicks, DoubledTicks, FailedPolls, Messages);
        }
    }
}

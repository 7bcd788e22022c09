namespace Techmail.Incidents;

/// <summary>
/// The changes of one tenant's incidents, found by reading the rows updated since the last look and numbered in the
/// order they were found. Each look reads a little further back than the last one (<see cref="Overlap"/>): a row
/// stamped just before the last look but committed after it is still found, and the ones already numbered (by
/// reference and update time) are not numbered twice. Plain class, so the grain stays a thin timer around it.
/// </summary>
public sealed class IncidentFeed(Func<DateTimeOffset, int, Task<IReadOnlyList<IncidentSummary>>> changedSince, TimeProvider time)
{
    /// <summary>How far before the last look each look reads again: longer than any write takes from stamp to commit.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromSeconds(10);

    /// <summary>More changes than this in one look are not listed: screens are told to read everything again.</summary>
    public const int MaxChanges = 500;

    /// <summary>Changes kept for screens that ask late; one older than these restarts.</summary>
    public const int Kept = 2000;

    private readonly Guid _epoch = Guid.NewGuid();
    private readonly List<(long Sequence, IncidentSummary Incident)> _changes = [];
    private readonly Dictionary<(string Reference, DateTimeOffset Updated), DateTimeOffset> _seen = [];
    private long _sequence;
    private long _restartedAt;
    private DateTimeOffset? _lastLook;

    public FeedPosition Position => new(_epoch, _sequence);

    /// <summary>Begins watching from now, unless it is watching already (a stale watch starts again from now).</summary>
    public void Watch()
    {
        var now = time.GetUtcNow();
        if (_lastLook is not { } last || now - last > Overlap)
        {
            _lastLook = now;
        }
    }

    /// <summary>Reads what changed since the last look.</summary>
    /// <returns>Whether anything new was found.</returns>
    public async Task<bool> Look()
    {
        var now = time.GetUtcNow();
        var from = (_lastLook ?? now) - Overlap;
        var rows = await changedSince(from, MaxChanges + 1);
        _lastLook = now;
        foreach (var old in _seen.Where(s => s.Value < from).Select(s => s.Key).ToList())
        {
            _seen.Remove(old);
        }

        if (rows.Count > MaxChanges)
        {
            foreach (var row in rows)
            {
                _seen[(row.Reference, row.Updated)] = row.Updated;
            }

            _restartedAt = ++_sequence;
            _changes.Clear();
            return true;
        }

        var found = false;
        foreach (var row in rows)
        {
            if (_seen.TryAdd((row.Reference, row.Updated), row.Updated))
            {
                _changes.Add((++_sequence, row));
                found = true;
            }
        }

        if (_changes.Count > Kept)
        {
            _changes.RemoveRange(0, _changes.Count - Kept);
        }

        return found;
    }

    /// <summary>What changed after a position: each incident once, in its newest state.</summary>
    public IncidentActivity After(FeedPosition position)
    {
        var oldestKept = _changes.Count > 0 ? _changes[0].Sequence : _sequence + 1;
        if (position.Epoch != _epoch || position.Sequence > _sequence || position.Sequence < _restartedAt || position.Sequence + 1 < oldestKept && position.Sequence < _sequence)
        {
            return new IncidentActivity([], Position, Restart: true);
        }

        var changed = _changes.Where(c => c.Sequence > position.Sequence).Select(c => c.Incident).ToList();
        var newest = changed.GroupBy(i => i.Reference).Select(g => g.Last()).OrderBy(i => changed.LastIndexOf(i)).ToList();
        return new IncidentActivity(newest, Position, Restart: false);
    }
}

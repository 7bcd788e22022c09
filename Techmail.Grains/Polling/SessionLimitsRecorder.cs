namespace Techmail.Polling;

/// <summary>
/// Turns the gate's limits into the rows status reads: notes when each limit last made a poll wait (its wait count
/// grew since the last look), and hands out only rows that changed, or that were last written long enough ago that
/// status would take their silo for gone.
/// </summary>
public sealed class SessionLimitsRecorder(PollGate gate, AccountSessions accounts)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(2);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (SessionLimitRow Row, DateTimeOffset Written)> _last = new(StringComparer.Ordinal);

    /// <summary>The rows to write now; call <see cref="Unwritten"/> with them if writing failed.</summary>
    public IReadOnlyList<SessionLimitRow> Changed(DateTimeOffset now)
    {
        var snapshot = gate.Snapshot();
        var current = new List<SessionLimitRow>
        {
            Row("silo", snapshot.Silo.Limit, snapshot.Silo.Limit, snapshot.Silo.Limit, snapshot.Silo.InUse, snapshot.Silo.Waiting, snapshot.Silo.Waits, 0, null, null, now),
            Row("accounts", 0, 0, 0, accounts.InUse, 0, accounts.Waits, 0, null, null, now),
        };
        current.AddRange(snapshot.Hosts.Select(h => Row(
            SessionLimitsStore.HostScope(h.Host), h.Limit.Limit, h.Limit.Floor, h.Limit.Ceiling, h.InUse, h.Waiting, h.Waits,
            h.Limit.Pushbacks, h.Limit.LastPushback?.ToString(), h.Limit.LastCut, now)));

        lock (_lock)
        {
            var changed = new List<SessionLimitRow>();
            foreach (var row in current)
            {
                var previous = _last.GetValueOrDefault(row.Scope);
                var lastWait = previous.Row is null ? (row.Waits > 0 ? now : null) : row.Waits > previous.Row.Waits ? now : previous.Row.LastWait;
                var next = row with { LastWait = lastWait };
                if (previous.Row is null || next with { Updated = previous.Row.Updated } != previous.Row || now - previous.Written >= Refresh)
                {
                    _last[row.Scope] = (next, now);
                    changed.Add(next);
                }
            }

            return changed;
        }
    }

    /// <summary>Rows whose write failed: written again at the next look.</summary>
    public void Unwritten(IReadOnlyList<SessionLimitRow> rows)
    {
        lock (_lock)
        {
            foreach (var row in rows)
            {
                _last[row.Scope] = (row, DateTimeOffset.MinValue);
            }
        }
    }

    private SessionLimitRow Row(
        string scope, int limit, int floor, int ceiling, int inUse, int waiting, long waits, long pushbacks, string? lastPushback, DateTimeOffset? lastCut, DateTimeOffset now) =>
        new(scope, limit, floor, ceiling, inUse, waiting, waits, null, pushbacks, lastPushback, lastCut, now);
}

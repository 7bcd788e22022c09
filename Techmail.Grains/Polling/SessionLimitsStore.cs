using Techmail.Engine;
using Techmail.Storage;

namespace Techmail.Polling;

/// <summary>
/// Each silo's poll session limits in <c>techmail_session_limits</c>, one row per limit, so status shows the whole
/// cluster's without calling every silo. Written with the poll statistics by <see cref="PollStatisticsFlusher"/>.
/// </summary>
public sealed class SessionLimitsStore(TechmailDatabase database)
{
    private const string HostPrefix = "host:";

    /// <summary>The rows of one silo, as they stand now.</summary>
    public async Task Write(string silo, IReadOnlyList<SessionLimitRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var turn = await database.WriterTurn(cancellationToken);
        await using var connection = await turn.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var r in rows)
        {
            await using var command = TechmailDatabase.Command(
                connection,
                """
                INSERT INTO techmail_session_limits
                    (silo, scope, session_limit, floor_limit, ceiling_limit, in_use, waiting, waits, last_wait_unix, pushbacks, last_pushback, last_cut_unix, updated_unix)
                VALUES (@silo, @scope, @limit, @floor, @ceiling, @inUse, @waiting, @waits, @lastWait, @pushbacks, @lastPushback, @lastCut, @updated)
                ON CONFLICT (silo, scope) DO UPDATE SET
                    session_limit = excluded.session_limit, floor_limit = excluded.floor_limit, ceiling_limit = excluded.ceiling_limit,
                    in_use = excluded.in_use, waiting = excluded.waiting, waits = excluded.waits, last_wait_unix = excluded.last_wait_unix,
                    pushbacks = excluded.pushbacks, last_pushback = excluded.last_pushback, last_cut_unix = excluded.last_cut_unix,
                    updated_unix = excluded.updated_unix
                """,
                ("@silo", silo),
                ("@scope", r.Scope),
                ("@limit", r.Limit),
                ("@floor", r.Floor),
                ("@ceiling", r.Ceiling),
                ("@inUse", r.InUse),
                ("@waiting", r.Waiting),
                ("@waits", r.Waits),
                ("@lastWait", r.LastWait?.ToUnixTimeSeconds()),
                ("@pushbacks", r.Pushbacks),
                ("@lastPushback", r.LastPushback),
                ("@lastCut", r.LastCut?.ToUnixTimeSeconds()),
                ("@updated", r.Updated.ToUnixTimeSeconds()));
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The limits of silos that wrote within the window which polls waited for, or a pushback cut, within it: the ones
    /// worth an operator's look. The silo's cap comes first, then the hosts.
    /// </summary>
    public async Task<IReadOnlyList<SessionLimitSummary>> Reached(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var since = from.ToUnixTimeSeconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT silo, scope, session_limit, floor_limit, ceiling_limit, in_use, waiting, waits, last_wait_unix, pushbacks, last_pushback, last_cut_unix, updated_unix
            FROM techmail_session_limits
            WHERE updated_unix >= @since AND (last_wait_unix >= @since OR last_cut_unix >= @since)
            ORDER BY silo, scope
            """,
            ("@since", since));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SessionLimitSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var scope = reader.GetString(1);
            var lastWait = Time(reader, 8);
            rows.Add(new SessionLimitSummary(
                reader.GetString(0),
                scope.StartsWith(HostPrefix, StringComparison.Ordinal) ? "host" : scope,
                scope.StartsWith(HostPrefix, StringComparison.Ordinal) ? scope[HostPrefix.Length..] : null,
                Convert.ToInt32(reader.GetValue(2)),
                Convert.ToInt32(reader.GetValue(3)),
                Convert.ToInt32(reader.GetValue(4)),
                Convert.ToInt32(reader.GetValue(5)),
                Convert.ToInt32(reader.GetValue(6)),
                Convert.ToInt64(reader.GetValue(7)),
                lastWait,
                Convert.ToInt64(reader.GetValue(9)),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                Time(reader, 11),
                Time(reader, 12)!.Value,
                lastWait >= from));
        }

        return rows.OrderBy(r => r.Scope == "silo" ? 0 : r.Scope == "host" ? 1 : 2).ThenBy(r => r.Host, StringComparer.Ordinal).ThenBy(r => r.Silo, StringComparer.Ordinal).ToList();
    }

    public async Task Prune(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            "DELETE FROM techmail_session_limits WHERE updated_unix < @before",
            ("@before", before.ToUnixTimeSeconds()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static string HostScope(string host) => HostPrefix + host.ToLowerInvariant();

    private static DateTimeOffset? Time(System.Data.Common.DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(reader.GetValue(ordinal)));
}

/// <summary>One limit of this silo as written to <c>techmail_session_limits</c>.</summary>
public sealed record SessionLimitRow(
    string Scope, int Limit, int Floor, int Ceiling, int InUse, int Waiting, long Waits, DateTimeOffset? LastWait,
    long Pushbacks, string? LastPushback, DateTimeOffset? LastCut, DateTimeOffset Updated);

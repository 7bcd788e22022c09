using Techmail.Engine;
using Techmail.Storage;

namespace Techmail.Polling;

/// <summary>Per-silo, per-minute poll timing in <c>techmail_poll_minutes</c>, and its cluster-wide summary.</summary>
public sealed class PollStatisticsStore(TechmailDatabase database)
{
    public async Task Write(string silo, IReadOnlyList<PollMinuteRecord> minutes, CancellationToken cancellationToken = default)
    {
        if (minutes.Count == 0)
        {
            return;
        }

        await using var turn = await database.WriterTurn(cancellationToken);
        await using var connection = await turn.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var m in minutes)
        {
            await using var command = TechmailDatabase.Command(
                connection,
                """
                INSERT INTO techmail_poll_minutes
                    (silo, minute_unix, polls, lateness_buckets, lateness_max_ms, busy_skips, backoff_skips, missed_ticks, doubled_ticks, failed_polls, messages)
                VALUES (@silo, @minute, @polls, @buckets, @max, @busy, @backoff, @missed, @doubled, @failed, @messages)
                ON CONFLICT (silo, minute_unix) DO UPDATE SET
                    polls = excluded.polls, lateness_buckets = excluded.lateness_buckets, lateness_max_ms = excluded.lateness_max_ms,
                    busy_skips = excluded.busy_skips, backoff_skips = excluded.backoff_skips, missed_ticks = excluded.missed_ticks,
                    doubled_ticks = excluded.doubled_ticks, failed_polls = excluded.failed_polls, messages = excluded.messages
                """,
                ("@silo", silo),
                ("@minute", m.MinuteUnix),
                ("@polls", m.Polls),
                ("@buckets", m.Lateness.Serialize()),
                ("@max", (long)m.Lateness.Max.TotalMilliseconds),
                ("@busy", m.BusySkips),
                ("@backoff", m.BackoffSkips),
                ("@missed", m.MissedTicks),
                ("@doubled", m.DoubledTicks),
                ("@failed", m.FailedPolls),
                ("@messages", m.Messages));
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Whole minutes from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), all silos.</summary>
    public async Task<PollingSummary> Summarize(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var first = from.ToUnixTimeSeconds() / 60 * 60;
        var last = to.ToUnixTimeSeconds() / 60 * 60;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT minute_unix, silo, polls, lateness_buckets, busy_skips, backoff_skips, missed_ticks, doubled_ticks, failed_polls, messages
            FROM techmail_poll_minutes WHERE minute_unix >= @first AND minute_unix < @last
            """,
            ("@first", first),
            ("@last", last));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lateness = new LatenessHistogram();
        var silos = new HashSet<string>(StringComparer.Ordinal);
        var earliest = last;
        long polls = 0, busy = 0, backoff = 0, missed = 0, doubled = 0, failed = 0, messages = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            earliest = Math.Min(earliest, Convert.ToInt64(reader.GetValue(0)));
            silos.Add(reader.GetString(1));
            polls += Convert.ToInt64(reader.GetValue(2));
            lateness.Merge(LatenessHistogram.Parse(reader.GetString(3)));
            busy += Convert.ToInt64(reader.GetValue(4));
            backoff += Convert.ToInt64(reader.GetValue(5));
            missed += Convert.ToInt64(reader.GetValue(6));
            doubled += Convert.ToInt64(reader.GetValue(7));
            failed += Convert.ToInt64(reader.GetValue(8));
            messages += Convert.ToInt64(reader.GetValue(9));
        }

        return new PollingSummary(
            // From the first minute anything polled: a silo started three minutes ago has a three-minute window.
            TimeSpan.FromSeconds(last - earliest), silos.Count, polls,
            lateness.Percentile(0.50), lateness.Percentile(0.99), lateness.Max,
            busy, backoff, missed, doubled, failed, messages);
    }

    public async Task Prune(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            "DELETE FROM techmail_poll_minutes WHERE minute_unix < @before",
            ("@before", before.ToUnixTimeSeconds()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

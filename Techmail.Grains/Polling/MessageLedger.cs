using System.Data.Common;
using System.Text;
using Techmail.Paging;
using Techmail.Storage;

namespace Techmail.Polling;

/// <summary>
/// The trace of every message a mailbox took off a server. A message key found here has been handled,
/// which is how a message that comes back after a crash is recognised and not handed on twice.
/// </summary>
public sealed class MessageLedger(TechmailDatabase database)
{
    public async Task<HashSet<string>> Known(string tenant, string mailbox, IReadOnlyList<string> keys)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return known;
        }

        await using var connection = await database.OpenAsync();
        var sql = new StringBuilder("SELECT message_key FROM techmail_message_trace WHERE tenant = @tenant AND mailbox = @mailbox AND message_key IN (");
        var parameters = new List<(string, object?)> { ("@tenant", tenant), ("@mailbox", mailbox) };
        for (var i = 0; i < keys.Count; i++)
        {
            sql.Append(i == 0 ? "@k0" : $", @k{i}");
            parameters.Add(($"@k{i}", keys[i]));
        }

        sql.Append(')');
        await using var command = TechmailDatabase.Command(connection, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            known.Add(reader.GetString(0));
        }

        return known;
    }

    public async Task Record(string tenant, string mailbox, IReadOnlyList<TraceEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Record(connection, transaction, tenant, mailbox, entries);
        await transaction.CommitAsync();
    }

    /// <summary>Writes trace rows inside a caller's transaction, so they commit together with what they describe.</summary>
    public static async Task Record(DbConnection connection, DbTransaction transaction, string tenant, string mailbox, IReadOnlyList<TraceEntry> entries)
    {
        var rows = entries.Select(e => new object?[]
        {
            tenant, mailbox, e.MessageKey, e.ServerUid, StorageText.ClipOrNull(e.MessageId, 998), StorageText.ClipOrNull(e.From, 998), StorageText.ClipOrNull(e.Subject, 998), e.Size,
            e.Verdict.ToString(), StorageText.ClipOrNull(e.Reason, 2000), e.Time.UtcDateTime,
        }).ToList();
        await MultiRowInsert.Execute(
            connection,
            transaction,
            "techmail_message_trace",
            ["tenant", "mailbox", "message_key", "server_uid", "message_id", "sender", "subject", "size_bytes", "verdict", "reason", "recorded_utc"],
            rows,
            "ON CONFLICT (tenant, mailbox, message_key) DO UPDATE SET verdict = excluded.verdict, reason = excluded.reason, recorded_utc = excluded.recorded_utc");
    }

    public const int MaxTake = 10_000;

    /// <summary>
    /// Newest first, ties of time by message key, after <paramref name="after"/> when given. A row recorded again (a
    /// reprocessed message) moves to the top, above a reader paging down meanwhile, who sees it at most once.
    /// </summary>
    public async Task<ListPage<TraceEntry>> Newest(string tenant, string mailbox, int take, ListPosition? after = null)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT message_key, server_uid, message_id, sender, subject, size_bytes, verdict, reason, recorded_utc"
            + " FROM techmail_message_trace WHERE tenant = @tenant AND mailbox = @mailbox"
            + (after?.Time is null ? "" : " AND (recorded_utc, message_key) < (@afterTime, @afterKey)")
            + " ORDER BY recorded_utc DESC, message_key DESC LIMIT @take",
            ("@tenant", tenant), ("@mailbox", mailbox), ("@afterTime", after?.Time?.UtcDateTime), ("@afterKey", after?.Key), ("@take", take + 1));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<TraceEntry>();
        while (await reader.ReadAsync())
        {
            rows.Add(new TraceEntry(
                reader.GetString(0),
                reader.GetString(1),
                reader.StringOrNull(2),
                reader.StringOrNull(3),
                reader.StringOrNull(4),
                Convert.ToInt64(reader.GetValue(5)),
                Enum.Parse<TraceVerdict>(reader.GetString(6)),
                reader.StringOrNull(7),
                reader.Utc(8)));
        }

        return KeysetPage.Of(rows, take, t => new ListPosition(t.Time, t.MessageKey));
    }

    /// <summary>
    /// Keeps the record bounded: keys older than the retention are forgotten, except those of mail the server still
    /// lists (<paramref name="stillListed"/>, server UIDs), which would otherwise come back as new mail.
    /// </summary>
    public async Task<int> Prune(string tenant, string mailbox, DateTimeOffset olderThan, IReadOnlySet<string> stillListed)
    {
        var expired = new List<string>();
        await using (var connection = await database.OpenAsync())
        {
            await using var command = TechmailDatabase.Command(
                connection,
                "SELECT message_key, server_uid FROM techmail_message_trace WHERE tenant = @tenant AND mailbox = @mailbox AND recorded_utc < @before",
                ("@tenant", tenant), ("@mailbox", mailbox), ("@before", olderThan.UtcDateTime));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (!stillListed.Contains(reader.GetString(1)))
                {
                    expired.Add(reader.GetString(0));
                }
            }
        }

        var pruned = 0;
        foreach (var chunk in expired.Chunk(500))
        {
            await using var turn = await database.WriterTurn();
            await using var connection = await turn.OpenAsync();
            var parameters = new List<(string, object?)> { ("@tenant", tenant), ("@mailbox", mailbox) };
            parameters.AddRange(chunk.Select((key, i) => ($"@k{i}", (object?)key)));
            await using var command = TechmailDatabase.Command(
                connection,
                $"DELETE FROM techmail_message_trace WHERE tenant = @tenant AND mailbox = @mailbox AND message_key IN ({string.Join(", ", chunk.Select((_, i) => $"@k{i}"))})",
                [.. parameters]);
            pruned += await command.ExecuteNonQueryAsync();
        }

        return pruned;
    }
}

using System.Data.Common;
using System.Text;
using Techmail.Storage;

namespace Techmail.Polling;

/// <summary>
/// The trace of every message a mailbox took off a server. A message key found here has been handled,
/// which is how a message that comes back after a crash is recognised and not handed on twice.
/// </summary>
public sealed class MessageLedger(TechmailDatabase database)
{
    private const string Upsert = """
        INSERT INTO techmail_message_trace
            (tenant, mailbox, message_key, server_uid, message_id, sender, subject, size_bytes, verdict, reason, recorded_utc)
        VALUES (@tenant, @mailbox, @key, @uid, @messageId, @sender, @subject, @size, @verdict, @reason, @time)
        ON CONFLICT (tenant, mailbox, message_key) DO UPDATE SET
            verdict = excluded.verdict, reason = excluded.reason, recorded_utc = excluded.recorded_utc
        """;

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

        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Record(connection, transaction, tenant, mailbox, entries);
        await transaction.CommitAsync();
    }

    /// <summary>Writes trace rows inside a caller's transaction, so they commit together with what they describe.</summary>
    public static async Task Record(DbConnection connection, DbTransaction transaction, string tenant, string mailbox, IReadOnlyList<TraceEntry> entries)
    {
        await using var command = TechmailDatabase.Command(
            connection,
            Upsert,
            ("@tenant", tenant), ("@mailbox", mailbox), ("@key", ""), ("@uid", ""), ("@messageId", null), ("@sender", null),
            ("@subject", null), ("@size", 0L), ("@verdict", ""), ("@reason", null), ("@time", DateTime.UtcNow));
        command.Transaction = transaction;
        await command.PrepareAsync();
        foreach (var e in entries)
        {
            command.Parameters["@key"].Value = e.MessageKey;
            command.Parameters["@uid"].Value = e.ServerUid;
            command.Parameters["@messageId"].Value = (object?)Clip(e.MessageId, 998) ?? DBNull.Value;
            command.Parameters["@sender"].Value = (object?)Clip(e.From, 998) ?? DBNull.Value;
            command.Parameters["@subject"].Value = (object?)Clip(e.Subject, 998) ?? DBNull.Value;
            command.Parameters["@size"].Value = e.Size;
            command.Parameters["@verdict"].Value = e.Verdict.ToString();
            command.Parameters["@reason"].Value = (object?)e.Reason ?? DBNull.Value;
            command.Parameters["@time"].Value = e.Time.UtcDateTime;
            await command.ExecuteNonQueryAsync();
        }
    }

    public async Task<IReadOnlyList<TraceEntry>> Newest(string tenant, string mailbox, int take)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT message_key, server_uid, message_id, sender, subject, size_bytes, verdict, reason, recorded_utc
            FROM techmail_message_trace WHERE tenant = @tenant AND mailbox = @mailbox
            ORDER BY recorded_utc DESC, message_key LIMIT @take
            """,
            ("@tenant", tenant), ("@mailbox", mailbox), ("@take", take));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<TraceEntry>();
        while (await reader.ReadAsync())
        {
            rows.Add(new TraceEntry(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                Convert.ToInt64(reader.GetValue(5)),
                Enum.Parse<TraceVerdict>(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(8), DateTimeKind.Utc))));
        }

        return rows;
    }

    /// <summary>Keeps the record bounded: keys older than the retention are forgotten.</summary>
    public async Task<int> Prune(string tenant, string mailbox, DateTimeOffset olderThan)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "DELETE FROM techmail_message_trace WHERE tenant = @tenant AND mailbox = @mailbox AND recorded_utc < @before",
            ("@tenant", tenant), ("@mailbox", mailbox), ("@before", olderThan.UtcDateTime));
        return await command.ExecuteNonQueryAsync();
    }

    private static string? Clip(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}

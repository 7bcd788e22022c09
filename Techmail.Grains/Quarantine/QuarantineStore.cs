using System.Data.Common;
using Techmail.Polling;
using Techmail.Paging;
using Techmail.Storage;

namespace Techmail.Quarantine;

/// <summary>Raw copies of messages that could not be handled, with the reason; written before the server copy is deleted.</summary>
public sealed class QuarantineStore(TechmailDatabase database, TimeProvider time)
{
    public sealed record Held(string Tenant, QuarantinedMessage Message, string ServerUid);

    /// <summary>
    /// Stores the raw message and its trace row together. One row per message: setting the same message aside again
    /// (a retried batch, a reprocess that failed again) keeps its row and id, and holds it again with the new reason.
    /// </summary>
    public async Task<QuarantinedMessage> Hold(
        string tenant, string mailbox, string messageKey, string serverUid, string? from, string? subject, byte[] raw, MailStage stage, string reason)
    {
        var now = time.GetUtcNow();
        reason = StorageText.Clip(reason, ReasonLength);
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        string id;
        DateTimeOffset created;
        // Held again after retention emptied a dropped copy (Retention/RetentionSweeper): the bytes come back with it.
        await using (var insert = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_quarantine (id, tenant, mailbox, message_key, server_uid, sender, subject, size_bytes, reason, raw, state, stage, created_utc)
            VALUES (@id, @tenant, @mailbox, @key, @uid, @sender, @subject, @size, @reason, @raw, 'Held', @stage, @time)
            ON CONFLICT (tenant, mailbox, message_key) DO UPDATE SET reason = excluded.reason, stage = excluded.stage, state = 'Held',
                raw = CASE WHEN octet_length(techmail_quarantine.raw) = 0 THEN excluded.raw ELSE techmail_quarantine.raw END
            RETURNING id, created_utc
            """,
            ("@id", Guid.NewGuid().ToString("N")[..12]), ("@tenant", tenant), ("@mailbox", mailbox), ("@key", messageKey), ("@uid", serverUid),
            ("@sender", StorageText.ClipOrNull(from, 998)), ("@subject", StorageText.ClipOrNull(subject, 998)), ("@size", raw.LongLength),
            ("@reason", reason), ("@raw", raw), ("@stage", MailStages.Name(stage)), ("@time", now.UtcDateTime)))
        {
            insert.Transaction = transaction;
            await using var reader = await insert.ExecuteReaderAsync();
            await reader.ReadAsync();
            (id, created) = (reader.GetString(0), reader.Utc(1));
        }

        await MessageLedger.Record(connection, transaction, tenant, mailbox,
            [new TraceEntry(messageKey, serverUid, null, from, subject, raw.LongLength, TraceVerdict.Quarantined, reason, now)]);
        await transaction.CommitAsync();
        return new QuarantinedMessage(id, mailbox, messageKey, from, subject, raw.LongLength, reason, QuarantineState.Held, created, stage);
    }

    /// <summary>Whether the message was reprocessed or dropped before: a held row that was, is held again.</summary>
    public async Task<bool> WasResolved(string tenant, string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT COUNT(*) FROM techmail_quarantine WHERE tenant = @tenant AND id = @id AND resolved_utc IS NOT NULL",
            ("@tenant", tenant), ("@id", id));
        return Convert.ToInt64(await command.ExecuteScalarAsync()) > 0;
    }

    public const int MaxTake = 10_000;

    /// <summary>Newest first; ties of time by id, so a page ends at exactly one row and the next starts right after it.</summary>
    public async Task<ListPage<QuarantinedMessage>> List(string tenant, string? mailbox, bool includeResolved, int take, ListPosition? after = null)
    {
        // Filters are added only when given: PostgreSQL cannot type a parameter that is only ever compared with NULL.
        var sql = $"SELECT {Columns} FROM techmail_quarantine WHERE tenant = @tenant"
            + (mailbox is null ? "" : " AND mailbox = @mailbox")
            + (includeResolved ? "" : " AND state = 'Held'")
            + (after?.Time is null ? "" : " AND (created_utc, id) < (@afterTime, @afterId)")
            + " ORDER BY created_utc DESC, id DESC LIMIT @take";
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection, sql, ("@tenant", tenant), ("@mailbox", mailbox), ("@afterTime", after?.Time?.UtcDateTime), ("@afterId", after?.Key), ("@take", take + 1));
        var rows = await ReadAll(command);
        return KeysetPage.Of(rows, take, m => new ListPosition(m.Created, m.Id));
    }

    public async Task<(QuarantinedMessage Message, string ServerUid)?> Get(string tenant, string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {Columns}, server_uid FROM techmail_quarantine WHERE tenant = @tenant AND id = @id",
            ("@tenant", tenant), ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (Read(reader), reader.GetString(10)) : null;
    }

    public async Task<byte[]?> GetRaw(string tenant, string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT raw FROM techmail_quarantine WHERE tenant = @tenant AND id = @id",
            ("@tenant", tenant), ("@id", id));
        return await command.ExecuteScalarAsync() as byte[];
    }

    public async Task<bool> SetState(string tenant, string id, QuarantineState state)
    {
        await using var connection = await database.OpenAsync();
        // When it was resolved: the retention of a dropped message's bytes counts from then.
        await using var command = TechmailDatabase.Command(
            connection,
            "UPDATE techmail_quarantine SET state = @state, resolved_utc = @now WHERE tenant = @tenant AND id = @id AND state = 'Held'",
            ("@tenant", tenant), ("@id", id), ("@state", state.ToString()), ("@now", time.GetUtcNow().UtcDateTime));
        return await command.ExecuteNonQueryAsync() == 1;
    }

    private const string Columns = "id, mailbox, message_key, sender, subject, size_bytes, reason, state, created_utc, stage";

    // A reason names the stage's failure in a line; a whole stack of exception text would crowd the listing.
    private const int ReasonLength = 2000;

    private static async Task<List<QuarantinedMessage>> ReadAll(DbCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<QuarantinedMessage>();
        while (await reader.ReadAsync())
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    private static QuarantinedMessage Read(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.StringOrNull(3),
        r.StringOrNull(4),
        Convert.ToInt64(r.GetValue(5)),
        r.GetString(6),
        Enum.Parse<QuarantineState>(r.GetString(7)),
        r.Utc(8),
        MailStages.Parse(r.GetString(9)));
}

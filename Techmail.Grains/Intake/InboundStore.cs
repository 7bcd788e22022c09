using System.Data.Common;
using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Intake;

/// <summary>
/// Durably records accepted messages for intake, together with their trace rows, in one transaction:
/// after the commit the mailbox may delete them from the server.
/// </summary>
public sealed class InboundStore(TechmailDatabase database, TimeProvider time)
{
    /// <summary>Message keys per statement with an IN (...) list.</summary>
    private const int RowsPerStatement = 64;

    /// <param name="alsoWrite">More rows that must commit together with these messages (e.g. bounce records).</param>
    public async Task<IntakeReceipt> Record(string kind, IReadOnlyList<InboundMessage> messages, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, DateTimeOffset, Task>? alsoWrite = null)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = time.GetUtcNow();
        // A microsecond apart in the order the server listed them (the finest both databases keep): intake builds
        // oldest first, so a quick reply handed off with the mail it answers comes after it.
        var rows = messages.Select((m, i) => new object?[]
        {
            m.Tenant, m.Mailbox, m.MessageKey, kind, now.UtcDateTime.AddTicks(i * TimeSpan.TicksPerMicrosecond), "pending",
        }).ToList();

        // A message handed off again after intake held or quarantined it (an admin's reprocess) is released for another
        // try; one still pending or already done stays as it is, which keeps the hand-off exactly-once.
        var recorded = await MultiRowInsert.Execute(
            connection,
            transaction,
            "techmail_inbound",
            ["tenant", "mailbox", "message_key", "kind", "received_utc", "state"],
            rows,
            "ON CONFLICT (tenant, mailbox, message_key) DO UPDATE SET state = 'released' WHERE techmail_inbound.state IN ('held', 'quarantined')");
        await MultiRowInsert.Execute(
            connection,
            transaction,
            "techmail_inbound_raw",
            ["tenant", "mailbox", "message_key", "raw"],
            [.. messages.Select(m => new object?[] { m.Tenant, m.Mailbox, m.MessageKey, m.Raw })],
            "ON CONFLICT (tenant, mailbox, message_key) DO NOTHING");

        foreach (var group in messages.GroupBy(m => (m.Tenant, m.Mailbox)))
        {
            var entries = group.Select(m => new TraceEntry(m.MessageKey, m.ServerUid, m.MessageId, m.From, m.Subject, m.Raw.LongLength, TraceVerdict.Accepted, kind, now)).ToList();
            await MessageLedger.Record(connection, transaction, group.Key.Tenant, group.Key.Mailbox, entries);
        }

        if (alsoWrite is not null)
        {
            await alsoWrite(connection, transaction, now);
        }

        await transaction.CommitAsync();
        return new IntakeReceipt(recorded, messages.Count - recorded);
    }

    /// <summary>
    /// The oldest mail still waiting, with its bytes: from <paramref name="memory"/> when this silo recorded it
    /// recently, else read back in one query.
    /// </summary>
    /// <param name="after">Only mail after this position (the last of a batch still being written), else the oldest.</param>
    /// <param name="maxBytes">Fewer than <paramref name="take"/> once the mail adds up to this (always at least one).</param>
    public async Task<IReadOnlyList<PendingInbound>> Pending(string tenant, string mailbox, string kind, int take, RecordedMailMemory? memory = null, PendingPosition? after = null, long maxBytes = long.MaxValue) =>
        await Read(tenant, mailbox, await Waiting(tenant, mailbox, kind, take, after, maxBytes), memory);

    /// <summary>
    /// Which mail is waiting, oldest first, and how large each is, without the bytes: what <see cref="Read"/> then
    /// loads can be budgeted first.
    /// </summary>
    /// <param name="after">Only mail after this position (the last of a batch still being written), else the oldest.</param>
    /// <param name="maxBytes">Fewer than <paramref name="take"/> once the mail adds up to this (always at least one).</param>
    public async Task<IReadOnlyList<WaitingMail>> Waiting(string tenant, string mailbox, string kind, int take, PendingPosition? after = null, long maxBytes = long.MaxValue)
    {
        await using var connection = await database.OpenAsync();
        var waiting = new List<WaitingMail>();
        // octet_length reads a value's size, not the value: neither database loads the bytes for it.
        await using var command = TechmailDatabase.Command(
            connection,
            $"""
            SELECT i.message_key, i.state, t.server_uid, i.received_utc, octet_length(r.raw)
            FROM techmail_inbound i
            LEFT JOIN techmail_message_trace t ON t.tenant = i.tenant AND t.mailbox = i.mailbox AND t.message_key = i.message_key
            LEFT JOIN techmail_inbound_raw r ON r.tenant = i.tenant AND r.mailbox = i.mailbox AND r.message_key = i.message_key
            WHERE i.tenant = @tenant AND i.mailbox = @mailbox AND i.kind = @kind AND i.state IN ('pending', 'released')
            {(after is null ? "" : "AND (i.received_utc > @after_r OR (i.received_utc = @after_r AND i.message_key > @after_k))")}
            ORDER BY i.received_utc, i.message_key
            LIMIT @take
            """,
            ("@tenant", tenant),
            ("@mailbox", mailbox),
            ("@kind", kind),
            ("@take", take),
            ("@after_r", after?.Received),
            ("@after_k", after?.MessageKey));
        await using var reader = await command.ExecuteReaderAsync();
        var bytes = 0L;
        while (bytes < maxBytes && await reader.ReadAsync())
        {
            // The stored time as stored (text on SQLite), so handing it back compares exactly.
            var key = reader.GetString(0);
            var size = reader.IsDBNull(4) ? 0 : reader.GetInt64(4);
            waiting.Add(new WaitingMail(key, reader.GetString(1) == "released", reader.StringOrNull(2) ?? "", new PendingPosition(reader.GetValue(3), key), size));
            bytes += size;
        }

        return waiting;
    }

    /// <summary>The bytes of <paramref name="waiting"/>: from <paramref name="memory"/> when this silo recorded them recently, else read back.</summary>
    public async Task<IReadOnlyList<PendingInbound>> Read(string tenant, string mailbox, IReadOnlyList<WaitingMail> waiting, RecordedMailMemory? memory = null)
    {
        var mail = new Dictionary<string, RecordedMail>(StringComparer.Ordinal);
        foreach (var row in waiting)
        {
            if (memory?.Take(tenant, mailbox, row.MessageKey) is { } kept)
            {
                mail[row.MessageKey] = kept;
            }
        }

        var missing = waiting.Where(r => !mail.ContainsKey(r.MessageKey)).Select(r => r.MessageKey).ToList();
        if (missing.Count > 0)
        {
            await using var connection = await database.OpenAsync();
            for (var start = 0; start < missing.Count; start += RowsPerStatement)
            {
                var (list, parameters) = TechmailDatabase.InList("k", missing.Skip(start).Take(RowsPerStatement).ToList());
                await using var command = TechmailDatabase.Command(
                    connection,
                    $"SELECT message_key, raw FROM techmail_inbound_raw WHERE tenant = @tenant AND mailbox = @mailbox AND message_key IN ({list})",
                    [("@tenant", tenant), ("@mailbox", mailbox), .. parameters]);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    mail[reader.GetString(0)] = new RecordedMail((byte[])reader.GetValue(1), null);
                }
            }
        }

        return [.. waiting.Select(r => new PendingInbound(r.MessageKey, mail[r.MessageKey].Raw, r.Released, r.ServerUid) { Position = r.Position, Parsed = mail[r.MessageKey].Parsed })];
    }

    /// <summary>Records, inside the caller's transaction, what intake did with some messages: done, held (flood) or quarantined.</summary>
    public static async Task Finish(DbConnection connection, DbTransaction transaction, string tenant, string mailbox, IReadOnlyList<string> messageKeys, InboundOutcome outcome)
    {
        for (var start = 0; start < messageKeys.Count; start += RowsPerStatement)
        {
            var (list, parameters) = TechmailDatabase.InList("k", messageKeys.Skip(start).Take(RowsPerStatement).ToList());
            await using var command = TechmailDatabase.Command(
                connection,
                $"UPDATE techmail_inbound SET state = @state, failure = NULL, failure_stage = NULL, failure_utc = NULL WHERE tenant = @tenant AND mailbox = @mailbox AND message_key IN ({list})",
                [("@state", outcome.ToString().ToLowerInvariant()), ("@tenant", tenant), ("@mailbox", mailbox), .. parameters]);
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// Notes on a mailbox's waiting mail why building it failed (an outage: the mail stays waiting and is tried again),
    /// so the status can tell mail that waits its turn from mail that cannot move.
    /// </summary>
    public async Task MarkFailing(string tenant, string mailbox, string kind, Quarantine.MailStage stage, string failure)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_inbound SET failure = @failure, failure_stage = @stage, failure_utc = @time
            WHERE tenant = @tenant AND mailbox = @mailbox AND kind = @kind AND state IN ('pending', 'released')
            """,
            ("@failure", StorageText.Clip(failure, 1000)), ("@stage", Quarantine.MailStages.Name(stage)), ("@time", time.GetUtcNow().UtcDateTime),
            ("@tenant", tenant), ("@mailbox", mailbox), ("@kind", kind));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Service mailboxes with mail still to be turned into incidents.</summary>
    public async Task<IReadOnlyList<(string Tenant, string Mailbox)>> MailboxesWaiting(string kind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT DISTINCT tenant, mailbox FROM techmail_inbound WHERE kind = @kind AND state IN ('pending', 'released')",
            ("@kind", kind));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var mailboxes = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            mailboxes.Add((reader.GetString(0), reader.GetString(1)));
        }

        return mailboxes;
    }

    /// <summary>
    /// Deletes the raw copies of mail intake has finished with (incidents built, bounces recorded) that arrived before
    /// <paramref name="cutoff"/>. The trace keeps the record of what happened; held and quarantined mail stays.
    /// </summary>
    public async Task<int> Prune(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        const string Finished = "received_utc < @cutoff AND (state IN ('done', 'duplicate') OR kind = 'bounce')";
        await using var turn = await database.WriterTurn(cancellationToken);
        await using var connection = await turn.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var bytes = TechmailDatabase.Command(
            connection,
            $"DELETE FROM techmail_inbound_raw WHERE (tenant, mailbox, message_key) IN (SELECT tenant, mailbox, message_key FROM techmail_inbound WHERE {Finished})",
            ("@cutoff", cutoff.UtcDateTime)))
        {
            bytes.Transaction = transaction;
            await bytes.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var rows = TechmailDatabase.Command(connection, $"DELETE FROM techmail_inbound WHERE {Finished}", ("@cutoff", cutoff.UtcDateTime));
        rows.Transaction = transaction;
        var pruned = await rows.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return pruned;
    }

    public async Task<long> Count(string tenant, string mailbox)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT COUNT(*) FROM techmail_inbound WHERE tenant = @tenant AND mailbox = @mailbox",
            ("@tenant", tenant), ("@mailbox", mailbox));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}

/// <param name="Released">An admin asked for this message again: it skips the flood check that held it.</param>
/// <param name="ServerUid">The message's id on the mail server, from its trace row ("" when the trace was pruned).</param>
public sealed record PendingInbound(string MessageKey, byte[] Raw, bool Released, string ServerUid)
{
    /// <summary>Where the row stands in the oldest-first order, to ask for the rows after it.</summary>
    public PendingPosition? Position { get; init; }

    /// <summary>The poll's parse of <see cref="Raw"/>, when it was handed over in memory.</summary>
    public MimeKit.MimeMessage? Parsed { get; init; }
}

/// <summary>A mail waiting for intake, before its bytes are read.</summary>
/// <param name="Size">Its bytes as stored (0 when they are gone).</param>
public sealed record WaitingMail(string MessageKey, bool Released, string ServerUid, PendingPosition Position, long Size);

/// <summary>A place in the oldest-first order of waiting mail: the received time as the database keeps it, and the key.</summary>
public sealed record PendingPosition(object Received, string MessageKey);

public enum InboundOutcome
{
    Done,
    Held,
    Quarantined,
    /// <summary>A second copy of mail already turned into an incident: nothing was built from it.</summary>
    Duplicate,
}

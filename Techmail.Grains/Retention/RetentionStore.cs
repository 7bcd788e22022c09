using Techmail.Storage;

namespace Techmail.Retention;

/// <summary>
/// The deletes of the retention sweep. Each statement takes a bounded chunk of rows in a writer turn of its own, so a
/// first sweep over years of rows never holds SQLite's one writer for long: intake waits at most one chunk.
/// </summary>
public sealed class RetentionStore(TechmailDatabase database)
{
    internal const int ChunkRows = 500;

    /// <summary>The rows a removed mailbox leaves, with the column that picks a chunk of them. Raw bytes before their rows.</summary>
    private static readonly (string Table, string Key)[] MailboxRows =
    [
        ("techmail_message_trace", "message_key"),
        ("techmail_inbound_raw", "message_key"),
        ("techmail_inbound", "message_key"),
        ("techmail_quarantine", "id"),
        ("techmail_outbox", "id"),
    ];

    private const string StillRemoved =
        "NOT EXISTS (SELECT 1 FROM techmail_mailbox_directory d WHERE d.tenant = @tenant AND d.mailbox = @mailbox)";

    /// <summary>Empties the body of outbox mail sent before <paramref name="sentBefore"/>; the rows stay.</summary>
    public Task<int> DropSentBodies(DateTimeOffset sentBefore, CancellationToken cancellationToken) =>
        InChunks(
            $"""
            UPDATE techmail_outbox SET raw = {Empty}
            WHERE id IN (SELECT id FROM techmail_outbox WHERE state = 'sent' AND octet_length(raw) > 0 AND sent_utc < @before LIMIT @take)
            """,
            [("@before", sentBefore.UtcDateTime)],
            cancellationToken);

    /// <summary>Empties the bytes of quarantined mail an admin dropped before <paramref name="droppedBefore"/>; the rows stay.</summary>
    public Task<int> DropDroppedBodies(DateTimeOffset droppedBefore, CancellationToken cancellationToken) =>
        InChunks(
            $"""
            UPDATE techmail_quarantine SET raw = {Empty}
            WHERE id IN (
                SELECT id FROM techmail_quarantine
                WHERE state = 'Dropped' AND octet_length(raw) > 0 AND COALESCE(resolved_utc, created_utc) < @before LIMIT @take)
            """,
            [("@before", droppedBefore.UtcDateTime)],
            cancellationToken);

    /// <summary>Deletes webhook deliveries that ended (delivered or failed) before <paramref name="finishedBefore"/>.</summary>
    public Task<int> DeleteFinishedWebhookDeliveries(DateTimeOffset finishedBefore, CancellationToken cancellationToken) =>
        InChunks(
            """
            DELETE FROM techmail_webhook_deliveries
            WHERE id IN (SELECT id FROM techmail_webhook_deliveries WHERE state IN ('delivered', 'failed') AND updated_utc < @before LIMIT @take)
            """,
            [("@before", finishedBefore.UtcDateTime)],
            cancellationToken);

    /// <summary>Mailboxes removed before <paramref name="removedBefore"/> and not added again since.</summary>
    public async Task<IReadOnlyList<RemovedMailbox>> RemovedBefore(DateTimeOffset removedBefore, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT r.tenant, r.mailbox, r.removed_utc FROM techmail_removed_mailboxes r
            WHERE r.removed_utc < @before
              AND NOT EXISTS (SELECT 1 FROM techmail_mailbox_directory d WHERE d.tenant = r.tenant AND d.mailbox = r.mailbox)
            ORDER BY r.removed_utc
            """,
            ("@before", removedBefore.UtcDateTime));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var removed = new List<RemovedMailbox>();
        while (await reader.ReadAsync(cancellationToken))
        {
            // The time as stored (text on SQLite), so the final delete matches it exactly.
            removed.Add(new RemovedMailbox(reader.GetString(0), reader.GetString(1), reader.GetValue(2)));
        }

        return removed;
    }

    /// <summary>
    /// Deletes what a removed mailbox left, then the note of its removal. Every statement checks again that the mailbox
    /// was not added back meanwhile: a re-added mailbox's rows are its own and stay.
    /// </summary>
    /// <returns>The rows deleted.</returns>
    public async Task<long> Forget(RemovedMailbox mailbox, CancellationToken cancellationToken)
    {
        (string, object?)[] names = [("@tenant", mailbox.Tenant), ("@mailbox", mailbox.Mailbox)];
        long deleted = 0;
        foreach (var (table, key) in MailboxRows)
        {
            deleted += await InChunks(
                $"""
                DELETE FROM {table} WHERE tenant = @tenant AND mailbox = @mailbox AND {StillRemoved}
                  AND {key} IN (SELECT {key} FROM {table} WHERE tenant = @tenant AND mailbox = @mailbox LIMIT @take)
                """,
                names,
                cancellationToken);
        }

        // Removed again meanwhile (added back and removed): that removal starts a wait of its own.
        await Execute(
            $"DELETE FROM techmail_removed_mailboxes WHERE tenant = @tenant AND mailbox = @mailbox AND removed_utc = @removed AND {StillRemoved}",
            [.. names, ("@removed", mailbox.Removed)],
            cancellationToken);
        return deleted;
    }

    /// <summary>Runs a statement that changes at most @take rows until it changes fewer.</summary>
    private async Task<int> InChunks(string sql, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var changed = await Execute(sql, [.. parameters, ("@take", ChunkRows)], cancellationToken);
            total += changed;
            if (changed < ChunkRows)
            {
                return total;
            }
        }
    }

    private async Task<int> Execute(string sql, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var turn = await database.WriterTurn(cancellationToken);
        await using var connection = await turn.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A zero-length value of the column's own type (BLOB, BYTEA) that both databases write the same way.</summary>
    private const string Empty = "substr(raw, 1, 0)";
}

/// <param name="Removed">The removal time as the database stores it.</param>
public sealed record RemovedMailbox(string Tenant, string Mailbox, object Removed);

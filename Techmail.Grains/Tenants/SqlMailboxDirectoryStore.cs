using Techmail.Mailboxes;
using Techmail.Storage;

namespace Techmail.Tenants;

/// <summary>
/// Also notes when a mailbox was removed (techmail_removed_mailboxes), which the retention sweep counts from, and
/// forgets it when the mailbox is added again.
/// </summary>
public sealed class SqlMailboxDirectoryStore(TechmailDatabase database, TimeProvider time) : IMailboxDirectoryStore
{
    public async Task<IReadOnlyList<MailboxSummary>> Load(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT mailbox, mailbox_type, enabled, direction, incoming_account, envelope_from, poll_interval_seconds
            FROM techmail_mailbox_directory WHERE tenant = @tenant ORDER BY mailbox
            """,
            ("@tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<MailboxSummary>();
        while (await reader.ReadAsync())
        {
            rows.Add(new MailboxSummary(
                reader.GetString(0),
                (MailboxType)Convert.ToInt32(reader.GetValue(1)),
                Convert.ToInt32(reader.GetValue(2)) != 0,
                (MailboxDirection)Convert.ToInt32(reader.GetValue(3)),
                reader.StringOrNull(4),
                reader.StringOrNull(5),
                TimeSpan.FromSeconds(Convert.ToInt64(reader.GetValue(6)))));
        }

        return rows;
    }

    public async Task Upsert(string tenant, MailboxSummary summary)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_mailbox_directory
                (tenant, mailbox, mailbox_type, enabled, direction, incoming_account, envelope_from, poll_interval_seconds, updated_utc)
            VALUES (@tenant, @mailbox, @type, @enabled, @direction, @account, @envelope, @interval, @updated)
            ON CONFLICT (tenant, mailbox) DO UPDATE SET
                mailbox_type = excluded.mailbox_type, enabled = excluded.enabled, direction = excluded.direction,
                incoming_account = excluded.incoming_account, envelope_from = excluded.envelope_from,
                poll_interval_seconds = excluded.poll_interval_seconds, updated_utc = excluded.updated_utc
            """,
            ("@tenant", tenant),
            ("@mailbox", summary.Name),
            ("@type", (int)summary.Type),
            ("@enabled", summary.Enabled ? 1 : 0),
            ("@direction", (int)summary.Direction),
            ("@account", summary.IncomingAccount),
            ("@envelope", summary.EnvelopeFrom),
            ("@interval", (long)summary.PollInterval.TotalSeconds),
            ("@updated", DateTime.UtcNow)))
        {
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync();
        }

        // Back again: what it left behind is its own once more, not a removed mailbox's.
        await using (var kept = TechmailDatabase.Command(
            connection,
            "DELETE FROM techmail_removed_mailboxes WHERE tenant = @tenant AND mailbox = @mailbox",
            ("@tenant", tenant),
            ("@mailbox", summary.Name)))
        {
            kept.Transaction = transaction;
            await kept.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public async Task Delete(string tenant, string mailbox)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = TechmailDatabase.Command(
            connection,
            "DELETE FROM techmail_mailbox_directory WHERE tenant = @tenant AND mailbox = @mailbox",
            ("@tenant", tenant),
            ("@mailbox", mailbox)))
        {
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync();
        }

        // Its trace and other rows stay for Techmail:RemovedMailboxRetentionDays from now (Retention/RetentionSweeper).
        await using (var removed = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_removed_mailboxes (tenant, mailbox, removed_utc) VALUES (@tenant, @mailbox, @now)
            ON CONFLICT (tenant, mailbox) DO UPDATE SET removed_utc = excluded.removed_utc
            """,
            ("@tenant", tenant),
            ("@mailbox", mailbox),
            ("@now", time.GetUtcNow().UtcDateTime)))
        {
            removed.Transaction = transaction;
            await removed.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public async Task<DirectoryCounts> Count()
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT COUNT(DISTINCT tenant), COUNT(*), COALESCE(SUM(enabled), 0) FROM techmail_mailbox_directory");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DirectoryCounts(
            Convert.ToInt32(reader.GetValue(0)),
            Convert.ToInt32(reader.GetValue(1)),
            Convert.ToInt32(reader.GetValue(2)));
    }
}

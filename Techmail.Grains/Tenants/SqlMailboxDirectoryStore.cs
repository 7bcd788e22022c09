using Techmail.Mailboxes;
using Techmail.Storage;

namespace Techmail.Tenants;

public sealed class SqlMailboxDirectoryStore(TechmailDatabase database) : IMailboxDirectoryStore
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
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
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
            ("@updated", DateTime.UtcNow));
        await command.ExecuteNonQueryAsync();
    }

    public async Task Delete(string tenant, string mailbox)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "DELETE FROM techmail_mailbox_directory WHERE tenant = @tenant AND mailbox = @mailbox",
            ("@tenant", tenant),
            ("@mailbox", mailbox));
        await command.ExecuteNonQueryAsync();
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

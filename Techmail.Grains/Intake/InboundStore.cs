using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Intake;

/// <summary>
/// Durably records accepted messages for intake, together with their trace rows, in one transaction:
/// after the commit the mailbox may delete them from the server.
/// </summary>
public sealed class InboundStore(TechmailDatabase database, TimeProvider time)
{
    public async Task<IntakeReceipt> Record(string kind, IReadOnlyList<InboundMessage> messages)
    {
        var recorded = 0;
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = time.GetUtcNow();
        await using (var insert = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_inbound (tenant, mailbox, message_key, kind, raw, received_utc, state)
            VALUES (@tenant, @mailbox, @key, @kind, @raw, @time, 'pending')
            ON CONFLICT (tenant, mailbox, message_key) DO NOTHING
            """,
            ("@tenant", ""), ("@mailbox", ""), ("@key", ""), ("@kind", kind), ("@raw", Array.Empty<byte>()), ("@time", now.UtcDateTime)))
        {
            insert.Transaction = transaction;
            foreach (var m in messages)
            {
                insert.Parameters["@tenant"].Value = m.Tenant;
                insert.Parameters["@mailbox"].Value = m.Mailbox;
                insert.Parameters["@key"].Value = m.MessageKey;
                insert.Parameters["@raw"].Value = m.Raw;
                recorded += await insert.ExecuteNonQueryAsync();
            }
        }

        foreach (var group in messages.GroupBy(m => (m.Tenant, m.Mailbox)))
        {
            var entries = group.Select(m => new TraceEntry(m.MessageKey, m.ServerUid, m.MessageId, m.From, m.Subject, m.Raw.LongLength, TraceVerdict.Accepted, kind, now)).ToList();
            await MessageLedger.Record(connection, transaction, group.Key.Tenant, group.Key.Mailbox, entries);
        }

        await transaction.CommitAsync();
        return new IntakeReceipt(recorded, messages.Count - recorded);
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

using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Intake;

/// <summary>
/// Durably records accepted messages for intake, together with their trace rows, in one transaction:
/// after the commit the mailbox may delete them from the server.
/// </summary>
public sealed class InboundStore(TechmailDatabase database, TimeProvider time)
{
    /// <summary>Rows per INSERT: one statement for many rows costs far less than a statement a row.</summary>
    private const int RowsPerStatement = 64;

    /// <param name="alsoWrite">More rows that must commit together with these messages (e.g. bounce records).</param>
    public async Task<IntakeReceipt> Record(string kind, IReadOnlyList<InboundMessage> messages, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, DateTimeOffset, Task>? alsoWrite = null)
    {
        var recorded = 0;
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = time.GetUtcNow();
        for (var start = 0; start < messages.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, messages.Count - start);
            var sql = new System.Text.StringBuilder("INSERT INTO techmail_inbound (tenant, mailbox, message_key, kind, raw, received_utc, state) VALUES ");
            var parameters = new List<(string, object?)>(count * 4 + 2) { ("@kind", kind), ("@time", now.UtcDateTime) };
            for (var i = 0; i < count; i++)
            {
                var m = messages[start + i];
                sql.Append(i == 0 ? "" : ", ").Append($"(@t{i}, @m{i}, @k{i}, @kind, @r{i}, @time, 'pending')");
                parameters.Add(($"@t{i}", m.Tenant));
                parameters.Add(($"@m{i}", m.Mailbox));
                parameters.Add(($"@k{i}", m.MessageKey));
                parameters.Add(($"@r{i}", m.Raw));
            }

            sql.Append(" ON CONFLICT (tenant, mailbox, message_key) DO NOTHING");
            await using var insert = TechmailDatabase.Command(connection, sql.ToString(), [.. parameters]);
            insert.Transaction = transaction;
            recorded += await insert.ExecuteNonQueryAsync();
        }

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

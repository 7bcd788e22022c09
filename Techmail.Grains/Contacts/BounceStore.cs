using System.Data.Common;
using System.Text;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Polling;
using Techmail.Paging;
using Techmail.Storage;

namespace Techmail.Contacts;

/// <summary>One row per bounced recipient, written in the intake transaction; listed and filtered by the client.</summary>
public sealed class BounceStore(TechmailDatabase database)
{
    /// <summary>One row per reported recipient, tied or not: an untied row says why, so forged reports are visible.</summary>
    public static async Task Record(DbConnection connection, DbTransaction transaction, IReadOnlyList<JudgedBounce> bounces, DateTimeOffset received)
    {
        foreach (var (m, b, tiedTo, untied) in bounces)
        {
            await using var insert = TechmailDatabase.Command(
                connection,
                """
                INSERT INTO techmail_bounces (tenant, mailbox, message_key, address, reason, hard, status, reply_code, diagnostic, mailing, received_utc, tied_to, untied)
                VALUES (@tenant, @mailbox, @key, @address, @reason, @hard, @status, @reply, @diagnostic, @mailing, @time, @tied, @untied)
                ON CONFLICT (tenant, message_key, address) DO NOTHING
                """,
                ("@tenant", m.Tenant), ("@mailbox", m.Mailbox), ("@key", m.MessageKey), ("@address", AddressKey.Normalize(b.Address)),
                ("@reason", b.Reason), ("@hard", b.HardBounce is null ? null : b.HardBounce.Value ? 1 : 0), ("@status", b.Status),
                ("@reply", b.ReplyCode), ("@diagnostic", StorageText.ClipOrNull(b.Diagnostic, 2000)), ("@mailing", m.Mailing), ("@time", received.UtcDateTime),
                ("@tied", StorageText.ClipOrNull(tiedTo, 1000)), ("@untied", StorageText.ClipOrNull(untied, 1000)));
            insert.Transaction = transaction;
            await insert.ExecuteNonQueryAsync();
        }
    }

    public const int MaxTake = 10_000;

    /// <summary>
    /// Newest first. A row is one recipient of one message, so ties of time are ordered by the message and then the
    /// address: the whole key, so a page ends at exactly one row and the next starts right after it.
    /// </summary>
    public async Task<ListPage<BounceRecord>> List(string tenant, BounceQuery query)
    {
        var take = Math.Clamp(query.Take, 1, MaxTake);
        var sql = new StringBuilder("""
            SELECT mailbox, address, reason, hard, status, reply_code, diagnostic, mailing, received_utc, message_key, tied_to, untied
            FROM techmail_bounces WHERE tenant = @tenant
            """);
        var parameters = new List<(string, object?)> { ("@tenant", tenant), ("@take", take + 1) };
        if (query.Mailbox is not null)
        {
            sql.Append(" AND mailbox = @mailbox");
            parameters.Add(("@mailbox", query.Mailbox));
        }

        if (query.Reason is not null)
        {
            sql.Append(" AND reason = @reason");
            parameters.Add(("@reason", query.Reason.ToLowerInvariant()));
        }

        if (query.Hard is { } hard)
        {
            sql.Append(hard ? " AND hard = 1" : " AND hard = 0");
        }

        if (query.Address is not null)
        {
            sql.Append(" AND address = @address");
            parameters.Add(("@address", AddressKey.Normalize(query.Address)));
        }

        if (query.Since is { } since)
        {
            sql.Append(" AND received_utc >= @since");
            parameters.Add(("@since", since.UtcDateTime));
        }

        if (query.After is { Time: { } time } after)
        {
            sql.Append(" AND (received_utc, message_key, address) < (@afterTime, @afterKey, @afterAddress)");
            parameters.Add(("@afterTime", time.UtcDateTime));
            parameters.Add(("@afterKey", after.Key));
            parameters.Add(("@afterAddress", after.Tie ?? ""));
        }

        sql.Append(" ORDER BY received_utc DESC, message_key DESC, address DESC LIMIT @take");
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<BounceRecord>();
        while (await reader.ReadAsync())
        {
            rows.Add(new BounceRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : Convert.ToInt32(reader.GetValue(3)) == 1,
                reader.StringOrNull(4),
                reader.StringOrNull(5),
                reader.StringOrNull(6),
                reader.StringOrNull(7),
                reader.Utc(8),
                reader.GetString(9),
                reader.StringOrNull(10),
                reader.StringOrNull(11)));
        }

        return KeysetPage.Of(rows, take, r => new ListPosition(r.Received, r.MessageKey, r.Address));
    }

}

using System.Globalization;
using Techmail.Paging;
using Techmail.Storage;

namespace Techmail.Audit;

/// <summary>The <c>techmail_audit</c> table: rows are added, read newest first, never changed.</summary>
public sealed class AuditStore(TechmailDatabase database)
{
    public async Task Add(DateTimeOffset at, string tenant, string actor, string action, string subject, string? before, string? after)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var insert = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_audit (at_utc, tenant, actor, action, subject, before_json, after_json)
            VALUES (@at, @tenant, @actor, @action, @subject, @before, @after)
            """,
            ("@at", at.UtcDateTime), ("@tenant", tenant), ("@actor", actor), ("@action", action), ("@subject", subject),
            ("@before", before), ("@after", after));
        await insert.ExecuteNonQueryAsync();
    }

    public const int MaxTake = 10_000;

    /// <summary>Newest first; ties of time in the order of their ids, so a page ends at one place exactly.</summary>
    public async Task<ListPage<AuditEntry>> List(AuditQuery query)
    {
        var take = Math.Clamp(query.Take, 1, MaxTake);
        var parameters = new List<(string, object?)> { ("@take", take + 1) };
        var where = new List<string>();
        if (query.Tenant is { } tenant)
        {
            where.Add("tenant = @tenant");
            parameters.Add(("@tenant", tenant));
        }

        if (query.Since is { } since)
        {
            where.Add("at_utc >= @since");
            parameters.Add(("@since", since.UtcDateTime));
        }

        if (query.After is { Time: { } time } after)
        {
            // A row value: both engines read it as "older than the last row shown" and walk the index from there.
            where.Add("(at_utc, id) < (@afterTime, @afterId)");
            parameters.Add(("@afterTime", time.UtcDateTime));
            parameters.Add(("@afterId", after.Id));
        }

        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT id, at_utc, tenant, actor, action, subject, before_json, after_json FROM techmail_audit"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + " ORDER BY at_utc DESC, id DESC LIMIT @take",
            [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync())
        {
            entries.Add(new AuditEntry(
                reader.GetInt64(0), reader.Utc(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return KeysetPage.Of(entries, take, e => new ListPosition(e.At, e.Id.ToString(CultureInfo.InvariantCulture)));
    }
}

using System.Text;
using Techmail.Storage;

namespace Techmail.Incidents;

/// <summary>
/// Pages of incidents, newest first. References start with their day and rise within it, so ordering by reference is
/// ordering by creation and the primary key (or the mailbox and status indexes) serves it without sorting; paging
/// continues below the last reference shown, which stays fast however deep the page.
/// </summary>
public sealed class IncidentListStore(TechmailDatabase database)
{
    public const int MaxTake = 1000;

    public async Task<IncidentPage> List(IncidentQuery query)
    {
        var take = Math.Clamp(query.Take, 1, MaxTake);
        var sql = new StringBuilder($"SELECT {IncidentStore.SummaryColumns} FROM techmail_incidents WHERE tenant = @tenant");
        var parameters = new List<(string, object?)> { ("@tenant", query.Tenant), ("@take", take + 1) };
        void Filter(string condition, string name, object? value)
        {
            sql.Append(" AND ").Append(condition);
            parameters.Add((name, value));
        }

        if (query.Mailbox is { Length: > 0 } mailbox) Filter("mailbox = @mailbox", "@mailbox", mailbox);
        if (query.Status is { } status) Filter("status = @status", "@status", status.ToString());
        if (query.Queue is { Length: > 0 } queue) Filter("queue = @queue", "@queue", queue);
        if (query.Contact is { Length: > 0 } contact) Filter("contact = @contact", "@contact", Bounces.AddressKey.Normalize(contact));
        if (query.Assignee is { Length: > 0 } assignee) Filter("assignee = @assignee", "@assignee", assignee);
        if (query.Assignee is { Length: 0 }) sql.Append(" AND assignee IS NULL");
        if (query.Before is { Length: > 0 } before) Filter("reference < @before", "@before", before);
        if (query.Text is { Length: > 0 } text)
        {
            // LOWER on both sides: SQLite's LIKE folds only ASCII and PostgreSQL's does not fold at all.
            Filter("(LOWER(subject) LIKE @text ESCAPE '\\' OR contact LIKE @text ESCAPE '\\')", "@text", $"%{EscapeLike(text.ToLowerInvariant())}%");
        }

        sql.Append(" ORDER BY reference DESC LIMIT @take");
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<IncidentSummary>(take + 1);
        while (await reader.ReadAsync())
        {
            rows.Add(IncidentStore.ReadSummary(reader));
        }

        // One row more than asked says whether there is a next page without a COUNT over the whole tenant.
        var more = rows.Count > take;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return new IncidentPage(rows, more ? rows[^1].Reference : null);
    }

    /// <summary>
    /// The tenant's open incidents counted by status, queue and assignee. Solved ones are left out: they only pile up,
    /// and the console's counts are of work still to do; the status index keeps the scan to the open ones.
    /// </summary>
    public async Task<IReadOnlyList<IncidentCount>> Counts(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT status, queue, assignee, COUNT(*) FROM techmail_incidents
            WHERE tenant = @tenant AND status IN ('New', 'Updated', 'Waiting')
            GROUP BY status, queue, assignee
            """,
            ("@tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new List<IncidentCount>();
        while (await reader.ReadAsync())
        {
            counts.Add(new IncidentCount(Enum.Parse<IncidentStatus>(reader.GetString(0)), reader.StringOrNull(1), reader.StringOrNull(2), Convert.ToInt32(reader.GetValue(3))));
        }

        return counts;
    }

    /// <summary>
    /// The tenant's incidents changed at or after <paramref name="since"/>, oldest change first, at most
    /// <paramref name="take"/> of them (the updated index serves it).
    /// </summary>
    public async Task<IReadOnlyList<IncidentSummary>> ChangedSince(string tenant, DateTimeOffset since, int take)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {IncidentStore.SummaryColumns} FROM techmail_incidents WHERE tenant = @tenant AND updated_utc >= @since ORDER BY updated_utc, reference LIMIT @take",
            ("@tenant", tenant),
            ("@since", since.UtcDateTime),
            ("@take", take));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<IncidentSummary>();
        while (await reader.ReadAsync())
        {
            rows.Add(IncidentStore.ReadSummary(reader));
        }

        return rows;
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}

using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Techmail.Storage;

namespace Techmail.Incidents;

/// <summary>
/// Incidents, their threads and attachments in <c>techmail_incidents</c>, <c>techmail_incident_entries</c> and
/// <c>techmail_incident_attachments</c>. Mail-borne entries carry their intake message key, unique per tenant, so
/// storing the same mail twice (a retried hand-off, two silos racing after a failover) yields the first result again.
/// </summary>
public sealed class IncidentStore(TechmailDatabase database)
{
    // S/MIME results are stored as JSON beside their entry, with names rather than numbers so the rows read plainly.
    private static readonly JsonSerializerOptions SmimeJson = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public Task<(string Reference, bool Created)> Create(string tenant, IncidentSummary incident, NewEntry first) =>
        Create(tenant, incident, [first]);

    /// <param name="thread">The first entries, in order; the first one's message key decides whether the incident exists.</param>
    /// <param name="alsoWrite">More rows that must commit with the incident or not at all (its acknowledgement in the outbox).</param>
    /// <returns>The incident's reference and whether this call created it (false: the message key was already stored).</returns>
    public async Task<(string Reference, bool Created)> Create(
        string tenant,
        IncidentSummary incident,
        IReadOnlyList<NewEntry> thread,
        Func<DbConnection, DbTransaction, Task>? alsoWrite = null)
    {
        var first = thread[0];
        if (first.MessageKey is { } key && await ReferenceOf(tenant, key) is { } existing)
        {
            return (existing, false);
        }

        try
        {
            await using var turn = await database.WriterTurn();
            await using var connection = await turn.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await InsertIncident(connection, transaction, tenant, incident, thread);
            if (alsoWrite is not null)
            {
                await alsoWrite(connection, transaction);
            }

            await transaction.CommitAsync();
            return (incident.Reference, true);
        }
        catch (DbException e) when (DbErrors.IsUniqueViolation(e) && first.MessageKey is not null)
        {
            // Another writer stored the same mail a moment earlier: its incident is the answer.
            return (await ReferenceOf(tenant, first.MessageKey) ?? throw new InvalidOperationException("unique message key without its entry", e), false);
        }
    }

    /// <summary>
    /// Creates many incidents in one transaction (one commit for a whole batch of mail). Incidents whose first entry's
    /// message key is already stored are left out, so a batch run again after a crash writes only what it had not.
    /// </summary>
    /// <param name="alsoWrite">More rows that must commit with the batch (acknowledgements, contacts, intake states).</param>
    /// <returns>Per incident, in order: its reference and whether this call created it.</returns>
    public async Task<IReadOnlyList<(string Reference, bool Created)>> CreateMany(
        string tenant,
        IReadOnlyList<(IncidentSummary Incident, IReadOnlyList<NewEntry> Thread)> incidents,
        Func<DbConnection, DbTransaction, Task>? alsoWrite = null)
    {
        var known = await ReferencesOf(tenant, incidents.Select(i => i.Thread[0].MessageKey).OfType<string>().ToList());
        try
        {
            await using var turn = await database.WriterTurn();
            await using var connection = await turn.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var results = new List<(string, bool)>(incidents.Count);
            var fresh = new List<(IncidentSummary Incident, IReadOnlyList<NewEntry> Thread)>(incidents.Count);
            foreach (var (incident, thread) in incidents)
            {
                if (thread[0].MessageKey is { } key && known.TryGetValue(key, out var existing))
                {
                    results.Add((existing, false));
                    continue;
                }

                fresh.Add((incident, thread));
                results.Add((incident.Reference, true));
            }

            await InsertIncidents(connection, transaction, tenant, fresh);

            if (alsoWrite is not null)
            {
                await alsoWrite(connection, transaction);
            }

            await transaction.CommitAsync();
            return results;
        }
        catch (DbException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Another writer got in between the check and the insert (only possible in a failover): one at a time, each
            // finding its own answer, then the rest of the batch.
            var results = new List<(string, bool)>(incidents.Count);
            foreach (var (incident, thread) in incidents)
            {
                results.Add(await Create(tenant, incident, thread));
            }

            if (alsoWrite is not null)
            {
                await using var turn = await database.WriterTurn();
                await using var connection = await turn.OpenAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await alsoWrite(connection, transaction);
                await transaction.CommitAsync();
            }

            return results;
        }
    }

    /// <summary>Adds an entry at the end of the thread and moves the incident to <paramref name="status"/>.</summary>
    /// <returns>The entry's sequence, and false when the message key was already stored (nothing written).</returns>
    /// <param name="alsoWrite">More rows that must commit with the entry (the reply's mail in the outbox).</param>
    public async Task<(int Sequence, bool Appended)> Append(
        string tenant,
        string reference,
        NewEntry entry,
        IncidentStatus status,
        Func<DbConnection, DbTransaction, int, Task>? alsoWrite = null)
    {
        if (entry.MessageKey is { } key && await EntryOf(tenant, key) is { } known)
        {
            return (known.Sequence, false);
        }

        try
        {
            await using var turn = await database.WriterTurn();
            await using var connection = await turn.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            int sequence;
            await using (var next = TechmailDatabase.Command(
                connection,
                "SELECT COALESCE(MAX(sequence), 0) + 1 FROM techmail_incident_entries WHERE tenant = @tenant AND reference = @reference",
                ("@tenant", tenant),
                ("@reference", reference)))
            {
                next.Transaction = transaction;
                sequence = Convert.ToInt32(await next.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            }

            if (sequence == 1)
            {
                throw new InvalidOperationException($"incident {reference} does not exist in tenant '{tenant}'.");
            }

            await InsertEntry(connection, transaction, tenant, reference, sequence, entry);
            await using (var touch = TechmailDatabase.Command(
                connection,
                "UPDATE techmail_incidents SET status = @status, updated_utc = @updated WHERE tenant = @tenant AND reference = @reference",
                ("@status", status.ToString()),
                ("@updated", entry.Created.UtcDateTime),
                ("@tenant", tenant),
                ("@reference", reference)))
            {
                touch.Transaction = transaction;
                await touch.ExecuteNonQueryAsync();
            }

            if (alsoWrite is not null)
            {
                await alsoWrite(connection, transaction, sequence);
            }

            await transaction.CommitAsync();
            return (sequence, true);
        }
        catch (DbException e) when (DbErrors.IsUniqueViolation(e) && entry.MessageKey is not null)
        {
            return ((await EntryOf(tenant, entry.MessageKey))?.Sequence ?? throw new InvalidOperationException("unique message key without its entry", e), false);
        }
    }

    /// <summary>
    /// Sets the fields <paramref name="changes"/> names, adds tags and fired rules (each once), and returns the result;
    /// null when there is no such incident.
    /// </summary>
    public async Task<IncidentSummary?> Update(
        string tenant,
        string reference,
        IncidentChanges changes,
        IReadOnlyList<string> addTags,
        IReadOnlyList<string> addRules,
        DateTimeOffset now)
    {
        // Read, merge, write: safe without a transaction because the incident grain is the only writer of the row.
        var current = await Get(tenant, reference);
        if (current is null)
        {
            return null;
        }

        var updated = current with
        {
            Status = changes.Status ?? current.Status,
            Queue = Field(changes.Queue, current.Queue),
            Priority = Field(changes.Priority, current.Priority),
            Category = Field(changes.Category, current.Category),
            Assignee = Field(changes.Assignee, current.Assignee),
            Tags = [.. current.Tags.Union(addTags, StringComparer.OrdinalIgnoreCase)],
            RulesFired = [.. current.RulesFired.Union(addRules, StringComparer.Ordinal)],
            Updated = now,
        };
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_incidents SET status = @status, queue = @queue, priority = @priority, category = @category,
                assignee = @assignee, tags = @tags, rules_fired = @rules, updated_utc = @updated
            WHERE tenant = @tenant AND reference = @reference
            """,
            ("@status", updated.Status.ToString()),
            ("@queue", updated.Queue),
            ("@priority", updated.Priority),
            ("@category", updated.Category),
            ("@assignee", updated.Assignee),
            ("@tags", JsonSerializer.Serialize(updated.Tags)),
            ("@rules", JsonSerializer.Serialize(updated.RulesFired)),
            ("@updated", now.UtcDateTime),
            ("@tenant", tenant),
            ("@reference", reference));
        await command.ExecuteNonQueryAsync();
        return updated;
    }

    /// <summary>
    /// A field after a change: null leaves it, blank clears it (stored as no value, as a new incident has, so list
    /// filters and "unassigned" see one kind of empty).
    /// </summary>
    private static string? Field(string? change, string? current) =>
        change is null ? current : string.IsNullOrWhiteSpace(change) ? null : change;

    /// <summary>
    /// The newest incident holding an entry with one of these Message-IDs (angle brackets included): a customer's
    /// reply to their own earlier mail, or to an agent's mail, names them in In-Reply-To and References.
    /// </summary>
    public async Task<string?> ReferenceOfMessageIds(string tenant, IReadOnlyList<string> messageIds)
    {
        if (messageIds.Count == 0)
        {
            return null;
        }

        // Only the newest ids matter, and a hostile References header must not become a huge query.
        var ids = messageIds.TakeLast(20).Distinct(StringComparer.Ordinal).ToList();
        var (list, parameters) = TechmailDatabase.InList("id", ids);
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT reference FROM techmail_incident_entries WHERE tenant = @tenant AND message_id IN ({list}) ORDER BY reference DESC LIMIT 1",
            [("@tenant", tenant), .. parameters]);
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>
    /// Customer mail of one mailbox with these Message-IDs written since <paramref name="since"/>: each id and sender
    /// with the incident the mail went to, so a second copy of it is known for one. Entries of the mails in
    /// <paramref name="notFrom"/> are left out: a batch built again after a crash must not take its own entries, written
    /// before the crash, for earlier copies of itself.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string MessageId, string Sender), string>> CustomerMail(
        string tenant, string mailbox, IReadOnlyList<string> messageIds, IReadOnlyList<string> notFrom, DateTimeOffset since)
    {
        var found = new Dictionary<(string, string), string>();
        if (messageIds.Count == 0)
        {
            return found;
        }

        await using var connection = await database.OpenAsync();
        foreach (var chunk in messageIds.Distinct(StringComparer.Ordinal).Chunk(64))
        {
            var (list, parameters) = TechmailDatabase.InList("id", chunk);
            var (own, keys) = TechmailDatabase.InList("own", notFrom);
            await using var command = TechmailDatabase.Command(
                connection,
                $"""
                SELECT e.message_id, e.sender, e.reference FROM techmail_incident_entries e
                JOIN techmail_incidents i ON i.tenant = e.tenant AND i.reference = e.reference
                WHERE e.tenant = @tenant AND e.message_id IN ({list}) AND e.author = @author AND e.created_utc >= @since AND i.mailbox = @mailbox
                {(notFrom.Count == 0 ? "" : $"AND (e.message_key IS NULL OR e.message_key NOT IN ({own}))")}
                """,
                [("@tenant", tenant), ("@author", nameof(EntryAuthor.Customer)), ("@since", since.UtcDateTime), ("@mailbox", mailbox), .. parameters, .. keys]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (reader.StringOrNull(1) is { } sender)
                {
                    found.TryAdd((reader.GetString(0), sender), reader.GetString(2));
                }
            }
        }

        return found;
    }

    /// <summary>The incident a mail (by intake message key) became or was added to, if any.</summary>
    public async Task<string?> ReferenceOf(string tenant, string messageKey) => (await EntryOf(tenant, messageKey))?.Reference;

    public async Task<IncidentSummary?> Get(string tenant, string reference)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {SummaryColumns} FROM techmail_incidents WHERE tenant = @tenant AND reference = @reference",
            ("@tenant", tenant),
            ("@reference", reference));
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return ReadSummary(reader);
    }

    /// <summary>The whole thread, oldest first, with each entry's attachments (without their bytes).</summary>
    public async Task<IReadOnlyList<IncidentEntry>> Thread(string tenant, string reference)
    {
        await using var connection = await database.OpenAsync();
        var attachments = new Dictionary<int, List<AttachmentInfo>>();
        await using (var command = TechmailDatabase.Command(
            connection,
            """
            SELECT sequence, position, file_name, content_type, size_bytes, sha256, inline, content_id
            FROM techmail_incident_attachments WHERE tenant = @tenant AND reference = @reference ORDER BY sequence, position
            """,
            ("@tenant", tenant),
            ("@reference", reference)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var sequence = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                if (!attachments.TryGetValue(sequence, out var list))
                {
                    attachments[sequence] = list = [];
                }

                list.Add(new AttachmentInfo(
                    Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture),
                    reader.GetString(2),
                    reader.GetString(3),
                    Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture),
                    reader.GetString(5),
                    Convert.ToInt32(reader.GetValue(6), CultureInfo.InvariantCulture) != 0,
                    reader.StringOrNull(7)));
            }
        }

        await using var entries = TechmailDatabase.Command(
            connection,
            """
            SELECT e.sequence, e.author, e.sender, e.body, e.created_utc, e.message_id, e.message_key, s.result, e.reply_text
            FROM techmail_incident_entries e
            LEFT JOIN techmail_incident_entry_smime s ON s.tenant = e.tenant AND s.reference = e.reference AND s.sequence = e.sequence
            WHERE e.tenant = @tenant AND e.reference = @reference ORDER BY e.sequence
            """,
            ("@tenant", tenant),
            ("@reference", reference));
        await using var rows = await entries.ExecuteReaderAsync();
        var thread = new List<IncidentEntry>();
        while (await rows.ReadAsync())
        {
            var sequence = Convert.ToInt32(rows.GetValue(0), CultureInfo.InvariantCulture);
            thread.Add(new IncidentEntry(
                sequence,
                Enum.Parse<EntryAuthor>(rows.GetString(1)),
                rows.StringOrNull(2),
                rows.GetString(3),
                rows.Utc(4),
                rows.StringOrNull(5),
                rows.StringOrNull(6),
                attachments.TryGetValue(sequence, out var list) ? list : [],
                rows.StringOrNull(7) is { } smime ? JsonSerializer.Deserialize<SmimeResult>(smime, SmimeJson) : null,
                rows.StringOrNull(8)));
        }

        return thread;
    }

    /// <summary>One attachment's bytes exactly as they arrived, or null when there is no such attachment.</summary>
    public async Task<byte[]?> AttachmentContent(string tenant, string reference, int sequence, int position)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT content FROM techmail_incident_attachments
            WHERE tenant = @tenant AND reference = @reference AND sequence = @sequence AND position = @position
            """,
            ("@tenant", tenant),
            ("@reference", reference),
            ("@sequence", sequence),
            ("@position", position));
        return await command.ExecuteScalarAsync() as byte[];
    }

    internal const string SummaryColumns =
        "reference, subject, contact, mailbox, status, queue, priority, category, assignee, tags, rules_fired, created_utc, updated_utc";

    /// <summary>One row selected with <see cref="SummaryColumns"/>.</summary>
    internal static IncidentSummary ReadSummary(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        Enum.Parse<IncidentStatus>(reader.GetString(4)),
        reader.StringOrNull(5),
        reader.StringOrNull(6),
        reader.StringOrNull(7),
        reader.StringOrNull(8),
        JsonSerializer.Deserialize<List<string>>(reader.GetString(9)) ?? [],
        JsonSerializer.Deserialize<List<string>>(reader.GetString(10)) ?? [],
        reader.Utc(11),
        reader.Utc(12));

    private async Task<Dictionary<string, string>> ReferencesOf(string tenant, IReadOnlyList<string> messageKeys)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (messageKeys.Count == 0)
        {
            return found;
        }

        var (list, parameters) = TechmailDatabase.InList("k", messageKeys);
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT message_key, reference FROM techmail_incident_entries WHERE tenant = @tenant AND message_key IN ({list})",
            [("@tenant", tenant), .. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetString(0)] = reader.GetString(1);
        }

        return found;
    }

    private static readonly string[] IncidentColumns =
        ["tenant", "reference", "subject", "contact", "mailbox", "status", "queue", "priority", "category", "assignee", "tags", "rules_fired", "created_utc", "updated_utc"];

    private static readonly string[] EntryColumns = ["tenant", "reference", "sequence", "author", "sender", "body", "reply_text", "message_id", "message_key", "created_utc"];

    private static readonly string[] SmimeColumns = ["tenant", "reference", "sequence", "result"];

    private static readonly string[] AttachmentColumns =
        ["tenant", "reference", "sequence", "position", "file_name", "content_type", "size_bytes", "sha256", "inline", "content_id", "content"];

    /// <summary>Many incidents with their threads and attachments in a few statements per table.</summary>
    private static async Task InsertIncidents(DbConnection connection, DbTransaction transaction, string tenant, IReadOnlyList<(IncidentSummary Incident, IReadOnlyList<NewEntry> Thread)> incidents)
    {
        var incidentRows = new List<object?[]>(incidents.Count);
        var entryRows = new List<object?[]>(incidents.Count * 2);
        var attachmentRows = new List<object?[]>();
        var smimeRows = new List<object?[]>();
        foreach (var (i, thread) in incidents)
        {
            incidentRows.Add([tenant, i.Reference, i.Subject, i.Contact, i.Mailbox, i.Status.ToString(), i.Queue, i.Priority, i.Category, i.Assignee,
                JsonSerializer.Serialize(i.Tags), JsonSerializer.Serialize(i.RulesFired), i.Created.UtcDateTime, i.Updated.UtcDateTime]);
            for (var n = 0; n < thread.Count; n++)
            {
                var e = thread[n];
                entryRows.Add([tenant, i.Reference, n + 1, e.Author.ToString(), e.Sender, e.Body, e.ReplyText, e.MessageId, e.MessageKey, e.Created.UtcDateTime]);
                if (e.Smime is { } smime)
                {
                    smimeRows.Add([tenant, i.Reference, n + 1, JsonSerializer.Serialize(smime, SmimeJson)]);
                }

                for (var position = 0; position < e.Attachments.Count; position++)
                {
                    var a = e.Attachments[position];
                    attachmentRows.Add([tenant, i.Reference, n + 1, position, a.FileName, a.ContentType, (long)a.Content.Length, a.Sha256, a.Inline ? 1 : 0, a.ContentId, a.Content]);
                }
            }
        }

        await MultiRowInsert.Execute(connection, transaction, "techmail_incidents", IncidentColumns, incidentRows);
        await MultiRowInsert.Execute(connection, transaction, "techmail_incident_entries", EntryColumns, entryRows);
        await MultiRowInsert.Execute(connection, transaction, "techmail_incident_attachments", AttachmentColumns, attachmentRows);
        await MultiRowInsert.Execute(connection, transaction, "techmail_incident_entry_smime", SmimeColumns, smimeRows);
    }

    private static Task InsertIncident(DbConnection connection, DbTransaction transaction, string tenant, IncidentSummary incident, IReadOnlyList<NewEntry> thread) =>
        InsertIncidents(connection, transaction, tenant, [(incident, thread)]);

    private async Task<(string Reference, int Sequence)?> EntryOf(string tenant, string messageKey)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT reference, sequence FROM techmail_incident_entries WHERE tenant = @tenant AND message_key = @key",
            ("@tenant", tenant),
            ("@key", messageKey));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture)) : null;
    }

    private static async Task InsertEntry(DbConnection connection, DbTransaction transaction, string tenant, string reference, int sequence, NewEntry entry)
    {
        await MultiRowInsert.Execute(connection, transaction, "techmail_incident_entries", EntryColumns,
            [[tenant, reference, sequence, entry.Author.ToString(), entry.Sender, entry.Body, entry.ReplyText, entry.MessageId, entry.MessageKey, entry.Created.UtcDateTime]]);
        if (entry.Smime is { } smime)
        {
            await MultiRowInsert.Execute(connection, transaction, "techmail_incident_entry_smime", SmimeColumns,
                [[tenant, reference, sequence, JsonSerializer.Serialize(smime, SmimeJson)]]);
        }

        await MultiRowInsert.Execute(connection, transaction, "techmail_incident_attachments", AttachmentColumns,
            [.. entry.Attachments.Select((a, position) => new object?[]
            {
                tenant, reference, sequence, position, a.FileName, a.ContentType, (long)a.Content.Length, a.Sha256, a.Inline ? 1 : 0, a.ContentId, a.Content,
            })]);
    }
}

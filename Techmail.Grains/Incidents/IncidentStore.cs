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
    /// <returns>The incident's reference and whether this call created it (false: the message key was already stored).</returns>
    public async Task<(string Reference, bool Created)> Create(string tenant, IncidentSummary incident, NewEntry first)
    {
        if (first.MessageKey is { } key && await ReferenceOf(tenant, key) is { } existing)
        {
            return (existing, false);
        }

        try
        {
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var command = TechmailDatabase.Command(
                connection,
                """
                INSERT INTO techmail_incidents (tenant, reference, subject, contact, mailbox, status, queue, priority, category,
                    assignee, tags, rules_fired, created_utc, updated_utc)
                VALUES (@tenant, @reference, @subject, @contact, @mailbox, @status, @queue, @priority, @category,
                    @assignee, @tags, @rules, @created, @updated)
                """,
                ("@tenant", tenant),
                ("@reference", incident.Reference),
                ("@subject", incident.Subject),
                ("@contact", incident.Contact),
                ("@mailbox", incident.Mailbox),
                ("@status", incident.Status.ToString()),
                ("@queue", incident.Queue),
                ("@priority", incident.Priority),
                ("@category", incident.Category),
                ("@assignee", incident.Assignee),
                ("@tags", JsonSerializer.Serialize(incident.Tags)),
                ("@rules", JsonSerializer.Serialize(incident.RulesFired)),
                ("@created", incident.Created.UtcDateTime),
                ("@updated", incident.Updated.UtcDateTime)))
            {
                command.Transaction = transaction;
                await command.ExecuteNonQueryAsync();
            }

            await InsertEntry(connection, transaction, tenant, incident.Reference, 1, first);
            await transaction.CommitAsync();
            return (incident.Reference, true);
        }
        catch (DbException e) when (DbErrors.IsUniqueViolation(e) && first.MessageKey is not null)
        {
            // Another writer stored the same mail a moment earlier: its incident is the answer.
            return (await ReferenceOf(tenant, first.MessageKey) ?? throw new InvalidOperationException("unique message key without its entry", e), false);
        }
    }

    /// <summary>Adds an entry at the end of the thread and moves the incident to <paramref name="status"/>.</summary>
    /// <returns>The entry's sequence, and false when the message key was already stored (nothing written).</returns>
    public async Task<(int Sequence, bool Appended)> Append(string tenant, string reference, NewEntry entry, IncidentStatus status)
    {
        if (entry.MessageKey is { } key && await EntryOf(tenant, key) is { } known)
        {
            return (known.Sequence, false);
        }

        try
        {
            await using var connection = await database.OpenAsync();
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

            await transaction.CommitAsync();
            return (sequence, true);
        }
        catch (DbException e) when (DbErrors.IsUniqueViolation(e) && entry.MessageKey is not null)
        {
            return ((await EntryOf(tenant, entry.MessageKey))?.Sequence ?? throw new InvalidOperationException("unique message key without its entry", e), false);
        }
    }

    /// <summary>The incident a mail (by intake message key) became or was added to, if any.</summary>
    public async Task<string?> ReferenceOf(string tenant, string messageKey) => (await EntryOf(tenant, messageKey))?.Reference;

    public async Task<IncidentSummary?> Get(string tenant, string reference)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT reference, subject, contact, mailbox, status, queue, priority, category, assignee, tags, rules_fired, created_utc, updated_utc
            FROM techmail_incidents WHERE tenant = @tenant AND reference = @reference
            """,
            ("@tenant", tenant),
            ("@reference", reference));
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new IncidentSummary(
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
            SELECT sequence, author, sender, body, created_utc, message_id, message_key
            FROM techmail_incident_entries WHERE tenant = @tenant AND reference = @reference ORDER BY sequence
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
                attachments.TryGetValue(sequence, out var list) ? list : []));
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
        await using (var command = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_incident_entries (tenant, reference, sequence, author, sender, body, message_id, message_key, created_utc)
            VALUES (@tenant, @reference, @sequence, @author, @sender, @body, @messageId, @key, @created)
            """,
            ("@tenant", tenant),
            ("@reference", reference),
            ("@sequence", sequence),
            ("@author", entry.Author.ToString()),
            ("@sender", entry.Sender),
            ("@body", entry.Body),
            ("@messageId", entry.MessageId),
            ("@key", entry.MessageKey),
            ("@created", entry.Created.UtcDateTime)))
        {
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync();
        }

        for (var position = 0; position < entry.Attachments.Count; position++)
        {
            var a = entry.Attachments[position];
            await using var command = TechmailDatabase.Command(
                connection,
                """
                INSERT INTO techmail_incident_attachments (tenant, reference, sequence, position, file_name, content_type, size_bytes,
                    sha256, inline, content_id, content)
                VALUES (@tenant, @reference, @sequence, @position, @name, @type, @size, @sha, @inline, @cid, @content)
                """,
                ("@tenant", tenant),
                ("@reference", reference),
                ("@sequence", sequence),
                ("@position", position),
                ("@name", a.FileName),
                ("@type", a.ContentType),
                ("@size", (long)a.Content.Length),
                ("@sha", a.Sha256),
                ("@inline", a.Inline ? 1 : 0),
                ("@cid", a.ContentId),
                ("@content", a.Content));
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync();
        }
    }
}

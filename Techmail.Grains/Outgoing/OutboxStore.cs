using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Techmail.Mailboxes;
using Techmail.Paging;
using Techmail.Storage;

namespace Techmail.Outgoing;

/// <summary>
/// The durable outbox, <c>techmail_outbox</c>: one row per message, queued until the relay takes it (sent) or
/// refuses it for good (failed). A dedupe key is unique per tenant, so queueing the same mail twice yields the
/// first row again.
/// </summary>
public sealed class OutboxStore(TechmailDatabase database, TimeProvider time)
{
    private const string Queued = "queued", Sent = "sent", Failed = "failed";

    public async Task<(long Id, bool Queued)> Enqueue(QueuedMail mail)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var result = await Enqueue(connection, transaction, mail, time.GetUtcNow());
        await transaction.CommitAsync();
        return result;
    }

    /// <summary>
    /// Queues many inside the caller's transaction, in a few statements; mail whose dedupe key is already queued is
    /// left out. For a batch of incidents and their acknowledgements.
    /// </summary>
    public static async Task EnqueueMany(DbConnection connection, DbTransaction transaction, IReadOnlyList<QueuedMail> mails, DateTimeOffset now)
    {
        foreach (var mail in mails)
        {
            Check(mail);
        }

        string[] columns = ["tenant", "mailbox", "dedupe_key", "reference", "envelope_from", "recipients", "raw", "state", "attempts", "next_attempt_utc", "created_utc", "updated_utc", "message_id"];
        var at = now.UtcDateTime;
        await MultiRowInsert.Execute(connection, transaction, "techmail_outbox", columns,
            [.. mails.Select(m => new object?[] { m.Tenant, m.Mailbox, m.DedupeKey, m.Reference, m.EnvelopeFrom, JsonSerializer.Serialize(m.Recipients), m.Raw, Queued, 0, at, at, at, SentMessageIds.Of(m.Raw) })],
            "ON CONFLICT (tenant, dedupe_key) DO NOTHING");
    }

    /// <summary>Queues inside the caller's transaction, so the mail is stored exactly when what it is about is.</summary>
    /// <returns>The row's id, and false when the dedupe key was already queued (nothing written).</returns>
    public async Task<(long Id, bool Queued)> Enqueue(DbConnection connection, DbTransaction transaction, QueuedMail mail, DateTimeOffset now)
    {
        Check(mail);
        // ON CONFLICT rather than catching the unique violation: in PostgreSQL a failed statement would abort the
        // caller's whole transaction, and with it the incident entry this mail belongs to.
        await using (var insert = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_outbox (tenant, mailbox, dedupe_key, reference, envelope_from, recipients, raw, state, attempts,
                next_attempt_utc, created_utc, updated_utc, message_id)
            VALUES (@tenant, @mailbox, @dedupe, @reference, @envelope, @recipients, @raw, 'queued', 0, @now, @now, @now, @messageId)
            ON CONFLICT (tenant, dedupe_key) DO NOTHING
            RETURNING id
            """,
            ("@tenant", mail.Tenant),
            ("@mailbox", mail.Mailbox),
            ("@dedupe", mail.DedupeKey),
            ("@reference", mail.Reference),
            ("@envelope", mail.EnvelopeFrom),
            ("@recipients", JsonSerializer.Serialize(mail.Recipients)),
            ("@raw", mail.Raw),
            ("@now", now.UtcDateTime),
            // Kept apart from the body, which retention empties: a bounce may come back after that.
            ("@messageId", SentMessageIds.Of(mail.Raw))))
        {
            insert.Transaction = transaction;
            if (await insert.ExecuteScalarAsync() is { } id and not DBNull)
            {
                return (Convert.ToInt64(id, CultureInfo.InvariantCulture), true);
            }
        }

        await using var existing = TechmailDatabase.Command(
            connection,
            "SELECT id FROM techmail_outbox WHERE tenant = @tenant AND dedupe_key = @dedupe",
            ("@tenant", mail.Tenant),
            ("@dedupe", mail.DedupeKey));
        existing.Transaction = transaction;
        return (Convert.ToInt64(await existing.ExecuteScalarAsync(), CultureInfo.InvariantCulture), false);
    }

    /// <summary>Queued mail of one mailbox whose time has come, oldest first.</summary>
    /// <param name="after">Only mail queued after this one (by id), else from the oldest.</param>
    public async Task<IReadOnlyList<OutboxItem>> Due(string tenant, string mailbox, DateTimeOffset now, int take, long? after = null)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"""
            SELECT id, reference, envelope_from, recipients, raw, attempts, created_utc, dedupe_key FROM techmail_outbox
            WHERE tenant = @tenant AND mailbox = @mailbox AND state = 'queued' AND next_attempt_utc <= @now
            {(after is null ? "" : "AND id > @after")}
            ORDER BY id LIMIT @take
            """,
            ("@tenant", tenant),
            ("@mailbox", mailbox),
            ("@now", now.UtcDateTime),
            ("@take", take),
            ("@after", after ?? 0));
        await using var reader = await command.ExecuteReaderAsync();
        var due = new List<OutboxItem>();
        while (await reader.ReadAsync())
        {
            due.Add(new OutboxItem(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                reader.StringOrNull(1),
                reader.GetString(2),
                Recipients(reader.GetString(3)),
                (byte[])reader.GetValue(4),
                Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture),
                reader.Utc(6))
            {
                DedupeKey = reader.StringOrNull(7),
            });
        }

        return due;
    }

    public Task MarkSent(long id, DateTimeOffset now) => Finish(id, Sent, null, now);

    /// <summary>Marks many as sent with one statement: one commit for a batch instead of one per mail.</summary>
    public async Task MarkSent(IReadOnlyList<long> ids, DateTimeOffset now)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var (list, parameters) = TechmailDatabase.InList("id", ids);
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"""
            UPDATE techmail_outbox SET state = @state, attempts = attempts + 1, sent_utc = @now, updated_utc = @now
            WHERE id IN ({list}) AND state = 'queued'
            """,
            [("@state", Sent), ("@now", now.UtcDateTime), .. parameters]);
        await command.ExecuteNonQueryAsync();
    }

    public Task MarkFailed(long id, string reason, DateTimeOffset now) => Finish(id, Failed, reason, now);

    /// <summary>Counts the attempt and leaves the mail queued until <paramref name="at"/>.</summary>
    public async Task RetryAt(long id, DateTimeOffset at, string error, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_outbox SET attempts = attempts + 1, next_attempt_utc = @at, last_error = @error, updated_utc = @now
            WHERE id = @id AND state = 'queued'
            """,
            ("@at", at.UtcDateTime),
            ("@error", StorageText.ClipOrNull(error, 1000)),
            ("@now", now.UtcDateTime),
            ("@id", id));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<OutboxCounts> Counts(string tenant, string mailbox)
    {
        await using var connection = await database.OpenAsync();
        long queued = 0, sent = 0, failed = 0;
        await using (var command = TechmailDatabase.Command(
            connection,
            "SELECT state, COUNT(*) FROM techmail_outbox WHERE tenant = @tenant AND mailbox = @mailbox GROUP BY state",
            ("@tenant", tenant),
            ("@mailbox", mailbox)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var count = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                switch (reader.GetString(0))
                {
                    case Queued: queued = count; break;
                    case Sent: sent = count; break;
                    case Failed: failed = count; break;
                }
            }
        }

        if (queued == 0)
        {
            return new OutboxCounts(0, sent, failed, null, null, null);
        }

        DateTimeOffset? oldest, next;
        await using (var times = TechmailDatabase.Command(
            connection,
            "SELECT MIN(created_utc), MIN(next_attempt_utc) FROM techmail_outbox WHERE tenant = @tenant AND mailbox = @mailbox AND state = 'queued'",
            ("@tenant", tenant),
            ("@mailbox", mailbox)))
        await using (var reader = await times.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            // SQLite's MIN over text comes back as text, not as the DateTime the column was written from.
            (oldest, next) = (Time(reader.GetValue(0)), Time(reader.GetValue(1)));
        }

        await using var error = TechmailDatabase.Command(
            connection,
            """
            SELECT last_error FROM techmail_outbox WHERE tenant = @tenant AND mailbox = @mailbox AND state = 'queued' AND last_error IS NOT NULL
            ORDER BY updated_utc DESC LIMIT 1
            """,
            ("@tenant", tenant),
            ("@mailbox", mailbox));
        return new OutboxCounts(queued, sent, failed, oldest, next, await error.ExecuteScalarAsync() as string);
    }

    /// <summary>Every mailbox's queued mail together: how much, and when the oldest was queued (for the cluster's metrics).</summary>
    public async Task<(long Queued, DateTimeOffset? Oldest)> ClusterQueue()
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, "SELECT COUNT(*), MIN(created_utc) FROM techmail_outbox WHERE state = 'queued'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Time(reader.GetValue(1)));
    }

    /// <summary>One row of a mailbox's outbox, as the admin sees it: how a queued send or forward is followed to its end.</summary>
    public async Task<OutboxEntry?> Get(string tenant, string mailbox, long id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {EntryColumns} FROM techmail_outbox WHERE tenant = @tenant AND mailbox = @mailbox AND id = @id",
            ("@tenant", tenant),
            ("@mailbox", mailbox),
            ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Entry(reader) : null;
    }

    /// <summary>The row queued under a dedupe key, with the message's bytes; null when nothing was queued under it.</summary>
    public async Task<(OutboxEntry Entry, byte[] Raw)?> Find(string tenant, string dedupeKey)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {EntryColumns}, raw FROM techmail_outbox WHERE tenant = @tenant AND dedupe_key = @dedupe",
            ("@tenant", tenant),
            ("@dedupe", dedupeKey));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (Entry(reader), (byte[])reader.GetValue(12)) : null;
    }

    private const string EntryColumns =
        "id, mailbox, reference, envelope_from, recipients, state, attempts, next_attempt_utc, last_error, created_utc, sent_utc, LENGTH(raw)";

    public const int MaxListTake = 10_000;

    /// <summary>Newest first (ids rise as mail is queued), without the messages themselves; below id <paramref name="before"/> when given.</summary>
    public async Task<ListPage<OutboxEntry>> List(string tenant, string? mailbox, OutboxState? state, int take, long? before = null)
    {
        // Filters are added only when given: PostgreSQL cannot type a parameter that is only compared with NULL.
        var sql = $"SELECT {EntryColumns} FROM techmail_outbox WHERE tenant = @tenant"
            + (mailbox is null ? "" : " AND mailbox = @mailbox")
            + (state is null ? "" : " AND state = @state")
            + (before is null ? "" : " AND id < @before")
            + " ORDER BY id DESC LIMIT @take";
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            sql,
            ("@tenant", tenant),
            ("@mailbox", mailbox),
            ("@state", state is { } s ? Name(s) : null),
            ("@before", before),
            ("@take", take + 1));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<OutboxEntry>();
        while (await reader.ReadAsync())
        {
            rows.Add(Entry(reader));
        }

        return KeysetPage.Of(rows, take, e => ListPosition.OfId(e.Id));
    }

    /// <summary>A row read with <see cref="EntryColumns"/> first.</summary>
    private static OutboxEntry Entry(DbDataReader reader)
    {
        var rowState = Parse(reader.GetString(5));
        return new OutboxEntry(
            Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
            reader.GetString(1),
            reader.StringOrNull(2),
            reader.GetString(3),
            Recipients(reader.GetString(4)),
            rowState,
            Convert.ToInt32(reader.GetValue(6), CultureInfo.InvariantCulture),
            rowState == OutboxState.Queued ? reader.Utc(7) : null,
            reader.StringOrNull(8),
            reader.Utc(9),
            reader.UtcOrNull(10),
            Convert.ToInt64(reader.GetValue(11), CultureInfo.InvariantCulture));
    }

    private async Task Finish(long id, string state, string? reason, DateTimeOffset now)
    {
        // A sent mail keeps the error of its last failed try: it explains why it went late.
        var set = state == Sent ? "sent_utc = @now" : "last_error = @reason";
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"UPDATE techmail_outbox SET state = @state, attempts = attempts + 1, {set}, updated_utc = @now WHERE id = @id AND state = 'queued'",
            ("@state", state),
            ("@reason", StorageText.ClipOrNull(reason, 1000) ?? ""),
            ("@now", now.UtcDateTime),
            ("@id", id));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Envelope values go into SMTP commands verbatim: refuse anything that is not one plain address.</summary>
    private static void Check(QueuedMail mail)
    {
        if (!EmailAddress.IsValid(mail.EnvelopeFrom))
        {
            throw new ArgumentException($"envelope from '{mail.EnvelopeFrom}' is not one email address.", nameof(mail));
        }

        if (mail.Recipients is not { Count: > 0 })
        {
            throw new ArgumentException("a queued mail needs at least one recipient.", nameof(mail));
        }

        foreach (var recipient in mail.Recipients)
        {
            if (!EmailAddress.IsValid(recipient))
            {
                throw new ArgumentException($"recipient '{recipient}' is not one email address.", nameof(mail));
            }
        }

        if (mail.Raw is not { Length: > 0 })
        {
            throw new ArgumentException("a queued mail needs its message.", nameof(mail));
        }
    }

    private static string Name(OutboxState state) => state switch
    {
        OutboxState.Sent => Sent,
        OutboxState.Failed => Failed,
        _ => Queued,
    };

    private static OutboxState Parse(string state) => state switch
    {
        Sent => OutboxState.Sent,
        Failed => OutboxState.Failed,
        _ => OutboxState.Queued,
    };

    private static IReadOnlyList<string> Recipients(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];

    private static DateTimeOffset? Time(object value) => value switch
    {
        DBNull => null,
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        string s => new DateTimeOffset(DateTime.SpecifyKind(DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc)),
        _ => throw new InvalidCastException($"unexpected time value {value.GetType().Name}"),
    };

    /// <summary>Server replies can be long; the status needs the gist.</summary>
}

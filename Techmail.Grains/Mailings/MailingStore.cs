using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Techmail.Bounces;
using Techmail.Outgoing;
using Techmail.Storage;

namespace Techmail.Mailings;

/// <summary>A mailing's row as the grains need it.</summary>
public sealed record MailingRow(
    long Id,
    string Tenant,
    string Mailbox,
    string Name,
    MailingState State,
    byte[] Template,
    IReadOnlyList<string> Fields,
    int? RatePerMinute,
    TimeSpan RetryWindow,
    long Listed,
    DateTimeOffset Created,
    DateTimeOffset? Started,
    DateTimeOffset? Finished);

/// <summary>One recipient as a batch grain composes its mail.</summary>
public sealed record RecipientRow(long Index, string Address, IReadOnlyList<string> Values, string State, int Attempts);

/// <summary>A recipient whose outbox mail the relay refused for good, as the mailing learns it.</summary>
public sealed record RefusedSend(long Index, string Address, int Attempt, string Error);

/// <summary>One recipient's mail, composed and ready for the outbox.</summary>
public sealed record ComposedRecipient(long Index, int Attempt, string EnvelopeFrom, string Address, string MessageId, byte[] Raw);

/// <summary>
/// The mailing tables (<c>techmail_mailings</c>, <c>techmail_mailing_recipients</c>, <c>techmail_mailing_events</c>):
/// one row per recipient, written before anything is sent, moved from state to state in the same transactions as the
/// outbox rows they cause, so the database alone says how far a mailing got.
/// </summary>
public sealed class MailingStore(TechmailDatabase database)
{
    public const string Pending = "pending", Duplicate = "duplicate", Suppressed = "suppressed", Queued = "queued", Sent = "sent",
        Retry = "retry", Bounced = "bounced", Failed = "failed", Cancelled = "cancelled";

    /// <summary>The outbox's dedupe key of one send: unique per tenant, so a send can never be queued twice.</summary>
    public static string OutboxKey(long mailing, long index, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"mailing:{mailing}:{index}:{attempt}");

    /// <summary>Reads an outbox dedupe key back; null when it is not a mailing's.</summary>
    public static (long Mailing, long Index, int Attempt)? ParseOutboxKey(string? key)
    {
        var parts = key?.Split(':');
        return parts is ["mailing", var m, var i, var a]
            && long.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var mailing)
            && long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            ? (mailing, index, attempt) : null;
    }

    /// <returns>The mailing's id; the one made earlier for the same request id when there is one.</returns>
    public async Task<long> Create(string tenant, MailingDraft draft, TimeSpan retryWindow, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using (var insert = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_mailings (tenant, mailbox, name, request_id, state, template, fields, rate_per_minute, retry_window_seconds,
                listed, created_utc, updated_utc)
            VALUES (@tenant, @mailbox, @name, @request, 'draft', @template, @fields, @rate, @window, 0, @now, @now)
            ON CONFLICT (tenant, request_id) DO NOTHING
            """,
            ("@tenant", tenant), ("@mailbox", draft.Mailbox), ("@name", draft.Name), ("@request", draft.RequestId), ("@template", draft.Template),
            ("@fields", JsonSerializer.Serialize(draft.Fields)), ("@rate", draft.RatePerMinute), ("@window", (long)retryWindow.TotalSeconds),
            ("@now", now.UtcDateTime)))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = TechmailDatabase.Command(
            connection, "SELECT id FROM techmail_mailings WHERE tenant = @tenant AND request_id = @request", ("@tenant", tenant), ("@request", draft.RequestId));
        return Convert.ToInt64(await select.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private const string MailingColumns =
        "id, tenant, mailbox, name, state, template, fields, rate_per_minute, retry_window_seconds, listed, created_utc, started_utc, finished_utc";

    public async Task<MailingRow?> Get(string tenant, long id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection, $"SELECT {MailingColumns} FROM techmail_mailings WHERE tenant = @tenant AND id = @id", ("@tenant", tenant), ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Mailing(reader) : null;
    }

    public const int MaxListTake = 10_000;

    /// <summary>Newest first (ids rise as mailings are made); below id <paramref name="before"/> when given.</summary>
    public async Task<Paging.ListPage<MailingSummary>> List(string tenant, int take, long? before = null)
    {
        take = Math.Clamp(take, 1, MaxListTake);
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"""
            SELECT {MailingColumns},
                (SELECT COUNT(*) FROM techmail_mailing_recipients r WHERE r.mailing_id = m.id AND r.first_sent_utc IS NOT NULL)
            FROM techmail_mailings m WHERE tenant = @tenant{(before is null ? "" : " AND id < @before")} ORDER BY id DESC LIMIT @take
            """,
            ("@tenant", tenant), ("@before", before), ("@take", take + 1));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<MailingSummary>();
        while (await reader.ReadAsync())
        {
            rows.Add(Summary(Mailing(reader), Convert.ToInt64(reader.GetValue(13), CultureInfo.InvariantCulture)));
        }

        return KeysetPage.Of(rows, take, m => Paging.ListPosition.OfId(m.Id));
    }

    public static MailingSummary Summary(MailingRow m, long sent) =>
        new(m.Id, m.Mailbox, m.Name, m.State, m.Listed, sent, m.Created, m.Started, m.Finished);

    public async Task SetState(string tenant, long id, MailingState state, DateTimeOffset now)
    {
        var times = state switch
        {
            MailingState.Sending => ", started_utc = COALESCE(started_utc, @now), finished_utc = NULL",
            MailingState.Finished or MailingState.Cancelled => ", finished_utc = COALESCE(finished_utc, @now)",
            _ => "",
        };
        await Execute(
            $"UPDATE techmail_mailings SET state = @state, updated_utc = @now{times} WHERE tenant = @tenant AND id = @id",
            ("@state", Name(state)), ("@now", now.UtcDateTime), ("@tenant", tenant), ("@id", id));
    }

    /// <summary>
    /// Adds lines of the list in one transaction. A line whose index is already there (a retried call) is skipped; a
    /// line whose address came earlier in the list is kept as a duplicate, so it is counted but never mailed.
    /// </summary>
    /// <returns>Duplicates among the lines added now.</returns>
    public async Task<int> AddRecipients(long id, long firstIndex, IReadOnlyList<MailingRecipient> recipients, DateTimeOffset now)
    {
        if (recipients.Count == 0) return 0;
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var lastIndex = firstIndex + recipients.Count - 1;
        var present = new HashSet<long>();
        await using (var existing = TechmailDatabase.Command(
            connection, "SELECT idx FROM techmail_mailing_recipients WHERE mailing_id = @id AND idx BETWEEN @first AND @last",
            ("@id", id), ("@first", firstIndex), ("@last", lastIndex)))
        {
            existing.Transaction = transaction;
            await using var reader = await existing.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                present.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        var fresh = recipients.Select((r, i) => (Index: firstIndex + i, Recipient: r, Key: AddressKey.Normalize(r.Address)))
            .Where(r => !present.Contains(r.Index)).ToList();
        var listedBefore = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in fresh.Select(f => f.Key).Distinct(StringComparer.Ordinal).Chunk(400))
        {
            var (list, parameters) = TechmailDatabase.InList("a", chunk);
            await using var known = TechmailDatabase.Command(
                connection,
                $"SELECT address_key FROM techmail_mailing_recipients WHERE mailing_id = @id AND idx < @first AND address_key IN ({list})",
                [("@id", id), ("@first", firstIndex), .. parameters]);
            known.Transaction = transaction;
            await using var reader = await known.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                listedBefore.Add(reader.GetString(0));
            }
        }

        var rows = new List<object?[]>(fresh.Count);
        var duplicates = 0;
        foreach (var (index, recipient, key) in fresh)
        {
            var duplicate = !listedBefore.Add(key);
            duplicates += duplicate ? 1 : 0;
            rows.Add([id, index, recipient.Address, key, recipient.Values.Count == 0 ? null : JsonSerializer.Serialize(recipient.Values),
                duplicate ? Duplicate : Pending, duplicate ? "listed before" : null, 0, 0, 0, now.UtcDateTime]);
        }

        await MultiRowInsert.Execute(connection, transaction, "techmail_mailing_recipients",
            ["mailing_id", "idx", "address", "address_key", "fields", "state", "detail", "attempts", "complained", "unsubscribed", "updated_utc"], rows,
            "ON CONFLICT (mailing_id, idx) DO NOTHING");
        await using (var listed = TechmailDatabase.Command(
            connection,
            "UPDATE techmail_mailings SET listed = (SELECT COUNT(*) FROM techmail_mailing_recipients WHERE mailing_id = @id), updated_utc = @now WHERE id = @id",
            ("@id", id), ("@now", now.UtcDateTime)))
        {
            listed.Transaction = transaction;
            await listed.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return duplicates;
    }

    /// <summary>The next recipients to hand to the outbox: retries that have come due first, then the list in order.</summary>
    public async Task<IReadOnlyList<long>> Due(long id, DateTimeOffset now, int take)
    {
        var due = new List<long>();
        await using var connection = await database.OpenAsync();
        foreach (var (sql, parameters) in new[]
        {
            ("SELECT idx FROM techmail_mailing_recipients WHERE mailing_id = @id AND state = 'retry' AND next_attempt_utc <= @now ORDER BY idx LIMIT @take",
                new (string, object?)[] { ("@id", id), ("@now", now.UtcDateTime), ("@take", take) }),
            ("SELECT idx FROM techmail_mailing_recipients WHERE mailing_id = @id AND state = 'pending' ORDER BY idx LIMIT @take",
                new (string, object?)[] { ("@id", id), ("@take", take) }),
        })
        {
            if (due.Count >= take) break;
            await using var command = TechmailDatabase.Command(connection, sql, parameters);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync() && due.Count < take)
            {
                due.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        return due;
    }

    public async Task<IReadOnlyList<RecipientRow>> Slice(long id, IReadOnlyList<long> indexes)
    {
        var rows = new List<RecipientRow>();
        await using var connection = await database.OpenAsync();
        foreach (var chunk in indexes.Chunk(400))
        {
            var (list, parameters) = TechmailDatabase.InList("i", chunk);
            await using var command = TechmailDatabase.Command(
                connection,
                $"SELECT idx, address, fields, state, attempts FROM techmail_mailing_recipients WHERE mailing_id = @id AND idx IN ({list}) ORDER BY idx",
                [("@id", id), .. parameters]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(new RecipientRow(
                    Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                    reader.GetString(1),
                    reader.StringOrNull(2) is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [],
                    reader.GetString(3),
                    Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture)));
            }
        }

        return rows;
    }

    /// <summary>
    /// Of these addresses (normalised), those the tenant must not mail, with why: flagged invalid, or opted out (a
    /// complaint or an unsubscribe). Read from the address read model the address grains keep.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, UnmailableAddress>> Unmailable(string tenant, IReadOnlyCollection<string> addresses)
    {
        var found = new Dictionary<string, UnmailableAddress>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync();
        foreach (var chunk in addresses.Distinct(StringComparer.Ordinal).Chunk(400))
        {
            var (list, parameters) = TechmailDatabase.InList("a", chunk);
            await using var command = TechmailDatabase.Command(
                connection,
                $"SELECT address, invalid, opted_out, invalid_reason FROM techmail_addresses WHERE tenant = @tenant AND (invalid = 1 OR opted_out = 1) AND address IN ({list})",
                [("@tenant", tenant), .. parameters]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var invalid = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture) == 1;
                var afterSoftBounces = invalid && !reader.IsDBNull(3) && reader.GetString(3).Contains(Contacts.AddressPolicy.SoftLimitReason, StringComparison.Ordinal);
                found[reader.GetString(0)] = new UnmailableAddress(invalid ? "invalid" : "opted out", afterSoftBounces);
            }
        }

        return found;
    }

    /// <summary>
    /// In one transaction: each composed recipient turns queued (if it is still in the state it was read in) and its
    /// mail goes into the outbox; each suppressed one is marked so. A recipient another call already took is left
    /// alone, and its mail is not queued: that, with the outbox's dedupe key, is what sends nobody twice.
    /// </summary>
    /// <returns>The recipients queued.</returns>
    public async Task<int> Queue(
        string tenant, string mailbox, long id, IReadOnlyList<(ComposedRecipient Mail, int PreviousAttempts)> composed,
        IReadOnlyList<(long Index, string Reason)> suppressed, DateTimeOffset now, IReadOnlyList<long>? givenUp = null)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var taken = new List<QueuedMail>(composed.Count);
        await using (var update = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_mailing_recipients SET state = 'queued', attempts = @attempt, outbox_key = @key, message_id = @messageId,
                next_attempt_utc = NULL, detail = NULL, updated_utc = @now
            WHERE mailing_id = @id AND idx = @idx AND attempts = @previous AND state IN ('pending', 'retry')
            """,
            ("@attempt", 0), ("@key", ""), ("@messageId", ""), ("@now", now.UtcDateTime), ("@id", id), ("@idx", 0L), ("@previous", 0)))
        {
            update.Transaction = transaction;
            foreach (var (mail, previous) in composed)
            {
                var key = OutboxKey(id, mail.Index, mail.Attempt);
                update.Parameters["@attempt"].Value = mail.Attempt;
                update.Parameters["@key"].Value = key;
                update.Parameters["@messageId"].Value = SentMessageIds.Normalize(mail.MessageId)!;
                update.Parameters["@idx"].Value = mail.Index;
                update.Parameters["@previous"].Value = previous;
                if (await update.ExecuteNonQueryAsync() == 1)
                {
                    taken.Add(new QueuedMail(tenant, mailbox, key, $"mailing {id}", mail.EnvelopeFrom, [mail.Address], mail.Raw));
                }
            }
        }

        // A waiting retry is suppressed as a pending first send is; its next try is dropped with it. A retry given up after
        // its address's soft bounces reached the limit fails instead.
        await End(connection, transaction, id, "suppressed", "'pending', 'retry'", suppressed, now);
        await End(connection, transaction, id, "failed", "'retry'", [.. (givenUp ?? []).Select(index => (index, GivenUpAfterSoftBounces))], now);
        await OutboxStore.EnqueueMany(connection, transaction, taken, now);
        await transaction.CommitAsync();
        return taken.Count;
    }

    /// <summary>
    /// Brings the recipients in the outbox up to date with it: those the relay took turn sent; those refused for good
    /// are answered for the caller to judge (a refusal at RCPT is a hard bounce, a give-up after 24 h of 4xx a soft one),
    /// and those cancelled with the mailing turn cancelled.
    /// </summary>
    public async Task<IReadOnlyList<RefusedSend>> Reconcile(string tenant, long id, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using (var sent = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_mailing_recipients SET state = 'sent', sent_utc = o.sent_utc, first_sent_utc = COALESCE(first_sent_utc, o.sent_utc), updated_utc = @now
            FROM techmail_outbox o
            WHERE techmail_mailing_recipients.mailing_id = @id AND techmail_mailing_recipients.state = 'queued'
              AND o.tenant = @tenant AND o.dedupe_key = techmail_mailing_recipients.outbox_key AND o.state = 'sent'
            """,
            ("@now", now.UtcDateTime), ("@id", id), ("@tenant", tenant)))
        {
            await sent.ExecuteNonQueryAsync();
        }

        await using (var cancelled = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_mailing_recipients SET state = 'cancelled', detail = o.last_error, updated_utc = @now
            FROM techmail_outbox o
            WHERE techmail_mailing_recipients.mailing_id = @id AND techmail_mailing_recipients.state = 'queued'
              AND o.tenant = @tenant AND o.dedupe_key = techmail_mailing_recipients.outbox_key AND o.state = 'failed' AND o.last_error = @why
            """,
            ("@now", now.UtcDateTime), ("@id", id), ("@tenant", tenant), ("@why", CancelledInOutbox)))
        {
            await cancelled.ExecuteNonQueryAsync();
        }

        await using var refused = TechmailDatabase.Command(
            connection,
            """
            SELECT r.idx, r.address, r.attempts, o.last_error FROM techmail_mailing_recipients r
            JOIN techmail_outbox o ON o.tenant = @tenant AND o.dedupe_key = r.outbox_key
            WHERE r.mailing_id = @id AND r.state = 'queued' AND o.state = 'failed'
            """,
            ("@tenant", tenant), ("@id", id));
        await using var reader = await refused.ExecuteReaderAsync();
        var rows = new List<RefusedSend>();
        while (await reader.ReadAsync())
        {
            rows.Add(new RefusedSend(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1),
                Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), reader.StringOrNull(3) ?? "refused"));
        }

        return rows;
    }

    /// <summary>What the outbox says of mail of a cancelled mailing it had not sent.</summary>
    public const string CancelledInOutbox = "not sent: its mailing was cancelled";

    /// <summary>Ends these recipients of a mailing in <paramref name="state"/>, each with its detail, where they are still in one of <paramref name="from"/>.</summary>
    private static async Task End(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, long id, string state, string from, IReadOnlyList<(long Index, string Detail)> recipients, DateTimeOffset now)
    {
        await using var end = TechmailDatabase.Command(
            connection,
            $"UPDATE techmail_mailing_recipients SET state = '{state}', detail = @detail, next_attempt_utc = NULL, updated_utc = @now WHERE mailing_id = @id AND idx = @idx AND state IN ({from})",
            ("@detail", ""), ("@now", now.UtcDateTime), ("@id", id), ("@idx", 0L));
        end.Transaction = transaction;
        foreach (var (index, detail) in recipients)
        {
            end.Parameters["@detail"].Value = detail;
            end.Parameters["@idx"].Value = index;
            await end.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Why a waiting retry ended as failed when its address's soft bounces reached the bounce policy's limit.</summary>
    public const string GivenUpAfterSoftBounces = "retry given up: the address's soft bounces reached the limit that flags it invalid";

    /// <summary>Cancels what is not sent: pending and retrying recipients, and the mailing's mail still queued in the outbox.</summary>
    public async Task CancelRest(string tenant, long id, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var (sql, parameters) in new[]
        {
            ("UPDATE techmail_mailing_recipients SET state = 'cancelled', detail = 'mailing cancelled', updated_utc = @now WHERE mailing_id = @id AND state IN ('pending', 'retry')",
                new (string, object?)[] { ("@now", now.UtcDateTime), ("@id", id) }),
            // The outbox marks a mail sent only while it is queued, so one the drain is sending right now either goes
            // (and stays failed here, the price of stopping at once) or is never sent.
            ("UPDATE techmail_outbox SET state = 'failed', last_error = @why, updated_utc = @now WHERE tenant = @tenant AND state = 'queued' AND dedupe_key LIKE @prefix",
                new (string, object?)[] { ("@why", CancelledInOutbox), ("@now", now.UtcDateTime), ("@tenant", tenant), ("@prefix", string.Create(CultureInfo.InvariantCulture, $"mailing:{id}:%")) }),
        })
        {
            await using var command = TechmailDatabase.Command(connection, sql, parameters);
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>Recipients in each state; what decides whether a mailing still has work.</summary>
    public async Task<IReadOnlyDictionary<string, long>> States(long id)
    {
        var states = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection, "SELECT state, COUNT(*) FROM techmail_mailing_recipients WHERE mailing_id = @id GROUP BY state", ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            states[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return states;
    }

    /// <summary>The earliest time a retrying recipient comes due; null when none waits.</summary>
    public async Task<DateTimeOffset?> NextRetry(long id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection, "SELECT next_attempt_utc FROM techmail_mailing_recipients WHERE mailing_id = @id AND state = 'retry' ORDER BY next_attempt_utc LIMIT 1", ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? reader.UtcOrNull(0) : null;
    }

    /// <param name="now">The engine's time: a sent recipient counts as delivered once its retry window has closed by then.</param>
    public async Task<MailingReport> Report(MailingRow mailing, DateTimeOffset now)
    {
        var states = await States(mailing.Id);
        long Count(string state) => states.GetValueOrDefault(state);
        await using var connection = await database.OpenAsync();
        var sums = await Longs(connection,
            """
            SELECT COUNT(first_sent_utc), COALESCE(SUM(complained), 0), COALESCE(SUM(unsubscribed), 0),
                COALESCE(SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END), 0)
            FROM techmail_mailing_recipients WHERE mailing_id = @id
            """,
            ("@id", mailing.Id));
        // Sent and not bounced: delivered once no bounce came within the window from the first send (the window soft
        // bounces are retried in), awaiting bounces until then.
        var sentRows = await Longs(connection,
            """
            SELECT COALESCE(SUM(CASE WHEN first_sent_utc <= @closed THEN 1 ELSE 0 END), 0), COUNT(*)
            FROM techmail_mailing_recipients WHERE mailing_id = @id AND state = 'sent'
            """,
            ("@id", mailing.Id), ("@closed", (now - mailing.RetryWindow).UtcDateTime));
        var (delivered, awaiting) = (sentRows[0], sentRows[1] - sentRows[0]);
        var suppressedBy = await Grouped(connection,
            "SELECT detail, COUNT(*) FROM techmail_mailing_recipients WHERE mailing_id = @id AND state = 'suppressed' GROUP BY detail", mailing.Id);
        var hardBy = await Grouped(connection,
            "SELECT detail, COUNT(*) FROM techmail_mailing_recipients WHERE mailing_id = @id AND state = 'bounced' GROUP BY detail", mailing.Id);
        var softBy = await Grouped(connection,
            "SELECT reason, COUNT(*) FROM techmail_mailing_events WHERE mailing_id = @id AND kind = 'soft' GROUP BY reason", mailing.Id);
        return new MailingReport(
            Summary(mailing, sums[0]),
            mailing.RatePerMinute,
            mailing.RetryWindow,
            mailing.Listed,
            Count(Duplicate),
            Count(Suppressed),
            suppressedBy,
            Count(Pending),
            Count(Queued),
            sums[0],
            delivered,
            Count(Bounced),
            hardBy,
            softBy.Values.Sum(),
            softBy,
            Count(Retry),
            sums[3],
            Count(Failed),
            sums[1],
            sums[2],
            Count(Cancelled),
            awaiting);
    }

    public async Task<IReadOnlyList<MailingRecipientState>> Recipients(long id, long afterIndex, int take)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT idx, address, state, detail, attempts, message_id, complained, unsubscribed FROM techmail_mailing_recipients
            WHERE mailing_id = @id AND idx > @after ORDER BY idx LIMIT @take
            """,
            ("@id", id), ("@after", afterIndex), ("@take", Math.Clamp(take, 1, 10_000)));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<MailingRecipientState>();
        while (await reader.ReadAsync())
        {
            rows.Add(new MailingRecipientState(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), reader.StringOrNull(3),
                Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture), reader.StringOrNull(5),
                Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture) == 1, Convert.ToInt64(reader.GetValue(7), CultureInfo.InvariantCulture) == 1));
        }

        return rows;
    }

    /// <summary>One recipient's address and attempts; null when the mailing has no such line.</summary>
    public async Task<(string Address, string State, int Attempts, DateTimeOffset? FirstSent)?> Recipient(long id, long index)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection, "SELECT address, state, attempts, first_sent_utc FROM techmail_mailing_recipients WHERE mailing_id = @id AND idx = @idx",
            ("@id", id), ("@idx", index));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? (reader.GetString(0), reader.GetString(1), Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), reader.UtcOrNull(3))
            : null;
    }

    /// <summary>
    /// Records a bounce, complaint or unsubscribe of one recipient once (by its event key) and applies
    /// <paramref name="change"/> to the recipient in the same transaction; nothing happens for an event already recorded.
    /// </summary>
    /// <param name="received">The event shows the recipient's mail was sent (a report about it came back), even if the outbox's mark has not been seen yet.</param>
    /// <returns>False when the event was already recorded.</returns>
    public async Task<bool> Record(long id, long index, string eventKey, string kind, string? reason, string? detail, int attempt, RecipientChange change, bool received, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_mailing_events (mailing_id, idx, event_key, kind, reason, detail, attempt, received_utc)
            VALUES (@id, @idx, @key, @kind, @reason, @detail, @attempt, @now)
            ON CONFLICT (mailing_id, idx, event_key) DO NOTHING
            """,
            ("@id", id), ("@idx", index), ("@key", eventKey), ("@kind", kind), ("@reason", reason), ("@detail", StorageText.ClipOrNull(detail, 1000)),
            ("@attempt", attempt), ("@now", now.UtcDateTime)))
        {
            insert.Transaction = transaction;
            if (await insert.ExecuteNonQueryAsync() == 0)
            {
                return false;
            }
        }

        var (set, parameters) = change.Sql();
        if (received)
        {
            set = set.Length == 0 ? "first_sent_utc = COALESCE(first_sent_utc, @now)" : set + ", first_sent_utc = COALESCE(first_sent_utc, @now)";
        }

        if (set.Length > 0)
        {
            await using var update = TechmailDatabase.Command(
                connection,
                $"UPDATE techmail_mailing_recipients SET {set}, updated_utc = @now WHERE mailing_id = @id AND idx = @idx",
                [("@id", id), ("@idx", index), ("@now", now.UtcDateTime), .. parameters]);
            update.Transaction = transaction;
            await update.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return true;
    }

    /// <summary>The mailing sends a Message-ID belongs to, for reports that name the Message-ID but carry no VERP tag.</summary>
    public async Task<IReadOnlyList<(string MessageId, long Mailing, long Index, int Attempt)>> SendsByMessageId(string tenant, IReadOnlyCollection<string> messageIds)
    {
        var found = new List<(string, long, long, int)>();
        if (messageIds.Count == 0) return found;
        await using var connection = await database.OpenAsync();
        foreach (var chunk in messageIds.Distinct(StringComparer.Ordinal).Chunk(400))
        {
            var (list, parameters) = TechmailDatabase.InList("m", chunk);
            await using var command = TechmailDatabase.Command(
                connection,
                $"SELECT message_id, dedupe_key FROM techmail_outbox WHERE tenant = @tenant AND message_id IN ({list}) AND dedupe_key LIKE 'mailing:%'",
                [("@tenant", tenant), .. parameters]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (ParseOutboxKey(reader.StringOrNull(1)) is { } send)
                {
                    found.Add((reader.GetString(0), send.Mailing, send.Index, send.Attempt));
                }
            }
        }

        return found;
    }

    private async Task Execute(string sql, params (string, object?)[] parameters)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long[]> Longs(DbConnection connection, string sql, params (string, object?)[] parameters)
    {
        await using var command = TechmailDatabase.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture)).ToArray();
    }

    private static async Task<IReadOnlyDictionary<string, long>> Grouped(DbConnection connection, string sql, long id)
    {
        var groups = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using var command = TechmailDatabase.Command(connection, sql, ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var key = reader.StringOrNull(0) ?? "unknown";
            groups[key] = groups.GetValueOrDefault(key) + Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return groups;
    }

    private static MailingRow Mailing(DbDataReader reader) => new(
        Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        Parse(reader.GetString(4)),
        (byte[])reader.GetValue(5),
        JsonSerializer.Deserialize<List<string>>(reader.GetString(6)) ?? [],
        reader.IsDBNull(7) ? null : Convert.ToInt32(reader.GetValue(7), CultureInfo.InvariantCulture),
        TimeSpan.FromSeconds(Convert.ToInt64(reader.GetValue(8), CultureInfo.InvariantCulture)),
        Convert.ToInt64(reader.GetValue(9), CultureInfo.InvariantCulture),
        reader.Utc(10),
        reader.UtcOrNull(11),
        reader.UtcOrNull(12));

    private static string Name(MailingState state) => state.ToString().ToLowerInvariant();

    private static MailingState Parse(string state) => Enum.Parse<MailingState>(state, ignoreCase: true);
}

/// <summary>What a recorded event changes on its recipient: an SQL SET list and its parameters.</summary>
public sealed record RecipientChange(string Set, IReadOnlyList<(string Name, object? Value)> Parameters)
{
    public static RecipientChange None { get; } = new("", []);

    public (string Set, (string, object?)[] Parameters) Sql() => (Set, [.. Parameters]);
}

/// <summary>Why an address is not mailed: <c>invalid</c> or <c>opted out</c>, and whether its own soft bounces flagged it.</summary>
public sealed record UnmailableAddress(string Reason, bool AfterSoftBounces);

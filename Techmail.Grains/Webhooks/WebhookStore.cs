using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Techmail.Storage;

namespace Techmail.Webhooks;

/// <summary>A webhook as stored, its secret still sealed.</summary>
public sealed record StoredWebhook(string Tenant, string Id, string Url, IReadOnlyList<string> Events, string SealedSecret, bool Enabled, string? DisabledReason, DateTimeOffset Created, string CreatedBy);

/// <summary>A delivery a drain claimed: it alone sends it until the lease ends or it records the outcome.</summary>
public sealed record ClaimedDelivery(long Id, string Tenant, string WebhookId, string EventId, string EventType, string Body, int Attempts, DateTimeOffset Created, string Claim);

/// <summary>
/// Webhooks (<c>techmail_webhooks</c>, one subscription row per event type) and their durable delivery queue
/// (<c>techmail_webhook_deliveries</c>). Events are queued inside the caller's transaction, with the change that raised
/// them; see db/*/NNN-techmail-webhooks.sql for how claiming keeps two silos off the same row.
/// </summary>
public sealed class WebhookStore(TechmailDatabase database)
{
    private const string Queued = "queued", Delivered = "delivered", Failed = "failed";

    public async Task Add(StoredWebhook webhook)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await MultiRowInsert.Execute(connection, transaction, "techmail_webhooks",
            ["tenant", "id", "url", "events", "secret", "enabled", "disabled_reason", "created_utc", "created_by"],
            [[webhook.Tenant, webhook.Id, webhook.Url, JsonSerializer.Serialize(webhook.Events), webhook.SealedSecret, webhook.Enabled ? 1 : 0, webhook.DisabledReason, webhook.Created.UtcDateTime, webhook.CreatedBy]]);
        await MultiRowInsert.Execute(connection, transaction, "techmail_webhook_subscriptions", ["tenant", "event_type", "webhook_id"],
            [.. webhook.Events.Select(e => new object?[] { webhook.Tenant, e, webhook.Id })]);
        await transaction.CommitAsync();
    }

    /// <summary>The tenant's webhooks, oldest first.</summary>
    public async Task<IReadOnlyList<StoredWebhook>> List(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {Columns} FROM techmail_webhooks WHERE tenant = @tenant ORDER BY created_utc, id",
            ("@tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        var webhooks = new List<StoredWebhook>();
        while (await reader.ReadAsync())
        {
            webhooks.Add(Read(reader));
        }

        return webhooks;
    }

    public async Task<StoredWebhook?> Get(string tenant, string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {Columns} FROM techmail_webhooks WHERE tenant = @tenant AND id = @id",
            ("@tenant", tenant),
            ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    /// <summary>Removes the webhook, its subscriptions and its deliveries; false when there was none.</summary>
    public async Task<bool> Remove(string tenant, string id)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var removed = 0;
        foreach (var table in new[] { "techmail_webhook_deliveries", "techmail_webhook_subscriptions", "techmail_webhooks" })
        {
            var idColumn = table == "techmail_webhooks" ? "id" : "webhook_id";
            await using var command = TechmailDatabase.Command(connection, $"DELETE FROM {table} WHERE tenant = @tenant AND {idColumn} = @id", ("@tenant", tenant), ("@id", id));
            command.Transaction = transaction;
            removed = await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return removed > 0;
    }

    /// <summary>
    /// Queues a delivery of each event to each enabled webhook of its tenant subscribed to its type, in the caller's
    /// transaction. An event already queued for a webhook (the same id) is left as it is.
    /// </summary>
    /// <returns>The deliveries queued, per tenant (the drains to wake).</returns>
    public static async Task<IReadOnlyDictionary<string, int>> Queue(DbConnection connection, DbTransaction transaction, IReadOnlyList<WebhookEvent> events, DateTimeOffset now)
    {
        var queued = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var tenantEvents in events.GroupBy(e => e.Tenant))
        {
            var tenant = tenantEvents.Key;
            var types = tenantEvents.Select(e => e.Type).Distinct(StringComparer.Ordinal).ToList();
            var (list, parameters) = TechmailDatabase.InList("type", types);
            var subscribers = new List<(string Type, string Webhook)>();
            await using (var command = TechmailDatabase.Command(
                connection,
                $"""
                SELECT s.event_type, s.webhook_id FROM techmail_webhook_subscriptions s
                JOIN techmail_webhooks w ON w.tenant = s.tenant AND w.id = s.webhook_id
                WHERE s.tenant = @tenant AND w.enabled = 1 AND s.event_type IN ({list})
                """,
                [("@tenant", tenant), .. parameters]))
            {
                command.Transaction = transaction;
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    subscribers.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            // The common case, a tenant without webhooks, costs this one indexed read.
            if (subscribers.Count == 0)
            {
                continue;
            }

            var rows = new List<object?[]>();
            foreach (var e in tenantEvents)
            {
                var body = e.Body();
                rows.AddRange(subscribers.Where(s => s.Type == e.Type).Select(s => new object?[] { tenant, s.Webhook, e.Id, e.Type, body, Queued, 0, now.UtcDateTime, now.UtcDateTime, now.UtcDateTime }));
            }

            var inserted = await MultiRowInsert.Execute(connection, transaction, "techmail_webhook_deliveries",
                ["tenant", "webhook_id", "event_id", "event_type", "body", "state", "attempts", "next_attempt_utc", "created_utc", "updated_utc"],
                rows,
                "ON CONFLICT (tenant, webhook_id, event_id) DO NOTHING");
            foreach (var e in tenantEvents)
            {
                WebhookMetrics.EventsQueued(e.Type, subscribers.Count(s => s.Type == e.Type));
            }

            if (inserted > 0)
            {
                queued[tenant] = inserted;
            }
        }

        return queued;
    }

    /// <summary><see cref="Queue(DbConnection, DbTransaction, IReadOnlyList{WebhookEvent}, DateTimeOffset)"/> in a transaction of its own.</summary>
    public async Task<IReadOnlyDictionary<string, int>> Queue(IReadOnlyList<WebhookEvent> events, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var queued = await Queue(connection, transaction, events, now);
        await transaction.CommitAsync();
        return queued;
    }

    /// <summary>
    /// Claims up to <paramref name="take"/> of the tenant's due deliveries, oldest first: each is moved to come due
    /// again at <paramref name="leaseEnd"/> (when its drain dies meanwhile) and stamped with a claim of this call.
    /// A row another drain claimed a moment earlier is no longer due, and is not claimed twice.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> Claim(string tenant, DateTimeOffset now, DateTimeOffset leaseEnd, int take)
    {
        var claim = Guid.NewGuid().ToString("N");
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_webhook_deliveries SET claim = @claim, next_attempt_utc = @lease, updated_utc = @now
            WHERE id IN (
                SELECT id FROM techmail_webhook_deliveries
                WHERE tenant = @tenant AND state = 'queued' AND next_attempt_utc <= @now
                ORDER BY next_attempt_utc, id LIMIT @take)
              AND state = 'queued' AND next_attempt_utc <= @now
            RETURNING id, tenant, webhook_id, event_id, event_type, body, attempts, created_utc
            """,
            ("@claim", claim),
            ("@lease", leaseEnd.UtcDateTime),
            ("@now", now.UtcDateTime),
            ("@tenant", tenant),
            ("@take", take));
        await using var reader = await command.ExecuteReaderAsync();
        var claimed = new List<ClaimedDelivery>();
        while (await reader.ReadAsync())
        {
            claimed.Add(new ClaimedDelivery(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                Convert.ToInt32(reader.GetValue(6), CultureInfo.InvariantCulture),
                reader.Utc(7),
                claim));
        }

        return [.. claimed.OrderBy(c => c.Id)];
    }

    public Task MarkDelivered(ClaimedDelivery delivery, int status, DateTimeOffset now) =>
        Finish(delivery, Delivered, status, null, now, "delivered_utc = @now, ");

    public Task MarkFailed(ClaimedDelivery delivery, int? status, string reason, DateTimeOffset now) =>
        Finish(delivery, Failed, status, reason, now, "");

    /// <summary>Counts the attempt and leaves the delivery queued until <paramref name="at"/>.</summary>
    public async Task RetryAt(ClaimedDelivery delivery, DateTimeOffset at, int? status, string error, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_webhook_deliveries SET attempts = attempts + 1, next_attempt_utc = @at, claim = NULL, last_status = @status,
                last_error = @error, updated_utc = @now
            WHERE id = @id AND claim = @claim AND state = 'queued'
            """,
            ("@at", at.UtcDateTime),
            ("@status", status),
            ("@error", StorageText.ClipOrNull(error, 1000)),
            ("@now", now.UtcDateTime),
            ("@id", delivery.Id),
            ("@claim", delivery.Claim));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Gives a claimed delivery back unsent: due again at <paramref name="at"/>, its attempts unchanged.</summary>
    public async Task Release(ClaimedDelivery delivery, DateTimeOffset at)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "UPDATE techmail_webhook_deliveries SET next_attempt_utc = @at, claim = NULL WHERE id = @id AND claim = @claim AND state = 'queued'",
            ("@at", at.UtcDateTime),
            ("@id", delivery.Id),
            ("@claim", delivery.Claim));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Disables the webhook (the receiver said 410 Gone) and fails its waiting deliveries with the reason.</summary>
    public async Task Disable(string tenant, string webhookId, string reason, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var disable = TechmailDatabase.Command(
            connection,
            "UPDATE techmail_webhooks SET enabled = 0, disabled_reason = @reason WHERE tenant = @tenant AND id = @id",
            ("@reason", StorageText.Clip(reason, 1000)),
            ("@tenant", tenant),
            ("@id", webhookId)))
        {
            disable.Transaction = transaction;
            await disable.ExecuteNonQueryAsync();
        }

        await using (var fail = TechmailDatabase.Command(
            connection,
            """
            UPDATE techmail_webhook_deliveries SET state = 'failed', claim = NULL, last_error = @reason, updated_utc = @now
            WHERE tenant = @tenant AND webhook_id = @id AND state = 'queued'
            """,
            ("@reason", StorageText.Clip(reason, 1000)),
            ("@now", now.UtcDateTime),
            ("@tenant", tenant),
            ("@id", webhookId)))
        {
            fail.Transaction = transaction;
            await fail.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>When the tenant's next queued delivery comes due (a claimed one: when its lease ends); null when none waits.</summary>
    public async Task<DateTimeOffset?> NextDue(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT next_attempt_utc FROM techmail_webhook_deliveries WHERE tenant = @tenant AND state = 'queued' ORDER BY next_attempt_utc LIMIT 1",
            ("@tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? reader.Utc(0) : null;
    }

    /// <summary>Tenants with deliveries waiting: the drains a starting silo wakes.</summary>
    public async Task<IReadOnlyList<string>> TenantsWaiting(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(connection, "SELECT DISTINCT tenant FROM techmail_webhook_deliveries WHERE state = 'queued'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tenants = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(reader.GetString(0));
        }

        return tenants;
    }

    /// <summary>Per webhook of the tenant: deliveries queued, delivered and failed, and the newest error of those not delivered.</summary>
    public async Task<IReadOnlyDictionary<string, WebhookCounts>> Counts(string tenant)
    {
        await using var connection = await database.OpenAsync();
        var counts = new Dictionary<string, (long Queued, long Delivered, long Failed)>(StringComparer.Ordinal);
        await using (var command = TechmailDatabase.Command(
            connection,
            "SELECT webhook_id, state, COUNT(*) FROM techmail_webhook_deliveries WHERE tenant = @tenant GROUP BY webhook_id, state",
            ("@tenant", tenant)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var id = reader.GetString(0);
                var n = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
                counts.TryGetValue(id, out var c);
                counts[id] = reader.GetString(1) switch
                {
                    Queued => c with { Queued = n },
                    Delivered => c with { Delivered = n },
                    _ => c with { Failed = n },
                };
            }
        }

        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = TechmailDatabase.Command(
            connection,
            """
            SELECT webhook_id, last_error FROM techmail_webhook_deliveries
            WHERE tenant = @tenant AND state <> 'delivered' AND last_error IS NOT NULL ORDER BY updated_utc DESC, id DESC
            """,
            ("@tenant", tenant)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                errors.TryAdd(reader.GetString(0), reader.GetString(1));
            }
        }

        return counts.ToDictionary(
            c => c.Key,
            c => new WebhookCounts(c.Value.Queued, c.Value.Delivered, c.Value.Failed, errors.GetValueOrDefault(c.Key)),
            StringComparer.Ordinal);
    }

    private const string Columns = "tenant, id, url, events, secret, enabled, disabled_reason, created_utc, created_by";

    private static StoredWebhook Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        JsonSerializer.Deserialize<List<string>>(reader.GetString(3)) ?? [],
        reader.GetString(4),
        Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture) != 0,
        reader.StringOrNull(6),
        reader.Utc(7),
        reader.GetString(8));

    private async Task Finish(ClaimedDelivery delivery, string state, int? status, string? reason, DateTimeOffset now, string extra)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        // A delivery keeps the error of its last failed attempt when delivered: it says why it went late.
        await using var command = TechmailDatabase.Command(
            connection,
            $"""
            UPDATE techmail_webhook_deliveries SET state = @state, attempts = attempts + 1, claim = NULL, last_status = @status,
                {extra}{(reason is null ? "" : "last_error = @reason, ")}updated_utc = @now
            WHERE id = @id AND claim = @claim AND state = 'queued'
            """,
            ("@state", state),
            ("@status", status),
            ("@reason", StorageText.ClipOrNull(reason, 1000)),
            ("@now", now.UtcDateTime),
            ("@id", delivery.Id),
            ("@claim", delivery.Claim));
        await command.ExecuteNonQueryAsync();
    }
}

using Techmail.Storage;
using Techmail.Tests.Support;
using Techmail.Webhooks;

namespace Techmail.Tests.Webhooks;

/// <summary>Webhooks and their delivery queue on both real databases.</summary>
public sealed class WebhookStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_queues_each_event_once_per_subscribed_webhook_inside_the_callers_transaction() => await Queueing(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_queues_each_event_once_per_subscribed_webhook_inside_the_callers_transaction() => await Queueing(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_claims_a_row_for_one_drain_at_a_time_and_gives_it_back_when_the_lease_ends() => await Claiming(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_claims_a_row_for_one_drain_at_a_time_and_gives_it_back_when_the_lease_ends() => await Claiming(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    internal static StoredWebhook Webhook(string id, string url, params string[] events) =>
        new("acme", id, url, events, "sealed-" + id, true, null, T0, "operator-test");

    private static async Task Queueing(TechmailDatabase database)
    {
        var store = new WebhookStore(database);
        await store.Add(Webhook("wh_created", "https://a.example/hook", WebhookEventTypes.IncidentCreated));
        await store.Add(Webhook("wh_all", "https://b.example/hook", [.. WebhookEventTypes.All]));
        await store.Add(Webhook("wh_other", "https://c.example/hook", [.. WebhookEventTypes.All]) with { Tenant = "other" });

        WebhookEvent[] events =
        [
            new("acme", WebhookEventTypes.IncidentCreated, "261207-000001", T0, new { n = 1 }),
            new("acme", WebhookEventTypes.IncidentCreated, "261207-000002", T0, new { n = 2 }),
            new("acme", WebhookEventTypes.AddressInvalidated, "gone@example.net", T0, new { n = 3 }),
        ];

        // A transaction rolled back queues nothing: the event goes with its change or not at all.
        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(5, (await WebhookStore.Queue(connection, transaction, events, T0))["acme"]);
            await transaction.RollbackAsync();
        }

        Assert.Null(await store.NextDue("acme"));

        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(5, (await WebhookStore.Queue(connection, transaction, events, T0))["acme"]);
            await transaction.CommitAsync();
        }

        // The same change written again (a batch redone after a crash) is the same events: nothing more is queued.
        Assert.Empty(await store.Queue(events, T0.AddMinutes(1)));
        Assert.Equal(T0, await store.NextDue("acme"));
        Assert.Equal(["acme"], await store.TenantsWaiting());

        var counts = await store.Counts("acme");
        Assert.Equal(2, counts["wh_created"].Queued);
        Assert.Equal(3, counts["wh_all"].Queued);
        Assert.False(counts.ContainsKey("wh_other"));

        var claimed = await store.Claim("acme", T0, T0.AddMinutes(1), 10);
        Assert.Equal(5, claimed.Count);
        var first = claimed.First(c => c.WebhookId == "wh_all" && c.EventType == WebhookEventTypes.AddressInvalidated);
        Assert.Equal(WebhookEvent.IdOf("acme", WebhookEventTypes.AddressInvalidated, "gone@example.net"), first.EventId);
        Assert.Equal(events[2].Body(), first.Body);
        Assert.Equal((0, T0), (first.Attempts, first.Created));

        // A disabled webhook fails what waits for it and gets no new events; the other keeps its own.
        await store.Disable("acme", "wh_all", "receiver answered 410; webhook disabled", T0);
        Assert.Empty(await store.Queue([new("acme", WebhookEventTypes.AddressInvalidated, "left@example.net", T0, new { n = 4 })], T0));
        var afterDisable = await store.Counts("acme");
        Assert.Equal((0L, 3L, "receiver answered 410; webhook disabled"), (afterDisable["wh_all"].Queued, afterDisable["wh_all"].Failed, afterDisable["wh_all"].LastError));
        var disabled = (await store.List("acme")).Single(w => w.Id == "wh_all");
        Assert.Equal((false, "receiver answered 410; webhook disabled"), (disabled.Enabled, disabled.DisabledReason));

        Assert.True(await store.Remove("acme", "wh_all"));
        Assert.False(await store.Remove("acme", "wh_all"));
        Assert.Equal(["wh_created"], (await store.List("acme")).Select(w => w.Id));
        Assert.False((await store.Counts("acme")).ContainsKey("wh_all"));
        Assert.Equal(["wh_other"], (await store.List("other")).Select(w => w.Id));
    }

    private static async Task Claiming(TechmailDatabase database)
    {
        var store = new WebhookStore(database);
        await store.Add(Webhook("wh_a", "https://a.example/hook", WebhookEventTypes.IncidentUpdated));
        await store.Queue([.. Enumerable.Range(1, 4).Select(i => new WebhookEvent("acme", WebhookEventTypes.IncidentUpdated, $"ref-{i}", T0, new { i }))], T0);

        var lease = T0.AddSeconds(25);
        var first = await store.Claim("acme", T0, lease, 3);
        Assert.Equal(3, first.Count);
        // Another drain at the same moment gets only what the first did not take.
        var second = await store.Claim("acme", T0, lease, 10);
        Assert.Single(second);
        Assert.Empty(await store.Claim("acme", T0.AddSeconds(10), lease, 10));
        Assert.Equal(lease, await store.NextDue("acme"));

        var now = T0.AddSeconds(2);
        await store.MarkDelivered(first[0], 204, now);
        await store.RetryAt(first[1], now.AddMinutes(1), 500, "receiver answered 500: not now", now);
        await store.MarkFailed(first[2], 503, "gave up after 9 attempts: receiver answered 503", now);

        // The drain holding second[0] died: the row comes due again when the lease ends, and a new claim takes it.
        var retaken = Assert.Single(await store.Claim("acme", lease, lease.AddSeconds(25), 10));
        Assert.Equal(second[0].Id, retaken.Id);
        // The dead drain's claim no longer marks anything.
        await store.MarkDelivered(second[0], 200, lease);
        Assert.Equal(1, (await store.Counts("acme"))["wh_a"].Delivered);
        await store.MarkDelivered(retaken, 200, lease);

        var counts = (await store.Counts("acme"))["wh_a"];
        Assert.Equal((1L, 2L, 1L), (counts.Queued, counts.Delivered, counts.Failed));
        Assert.Equal("gave up after 9 attempts: receiver answered 503", counts.LastError);
        var retry = Assert.Single(await store.Claim("acme", now.AddMinutes(1), now.AddMinutes(2), 10));
        Assert.Equal((first[1].Id, 1), (retry.Id, retry.Attempts));
    }
}

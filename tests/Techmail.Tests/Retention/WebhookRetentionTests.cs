using Microsoft.Extensions.Logging.Abstractions;
using Techmail.Retention;
using Techmail.Storage;
using Techmail.Tests.Support;
using Techmail.Tests.Webhooks;
using Techmail.Webhooks;

namespace Techmail.Tests.Retention;

/// <summary>
/// Ended webhook deliveries go a week after they ended, on both real databases; a pending one stays whatever its age,
/// and so does one that ended less than a week ago.
/// </summary>
public sealed class WebhookRetentionTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_deletes_ended_deliveries_a_week_after_they_ended_and_keeps_pending_ones() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_deletes_ended_deliveries_a_week_after_they_ended_and_keeps_pending_ones() => await Scenario(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var clock = new ManualClock(T0);
        var store = new WebhookStore(database);
        var sweeper = new RetentionSweeper(new RetentionStore(database), new RetentionPolicy(), clock, NullLogger<RetentionSweeper>.Instance);
        await store.Add(WebhookStoreTests.Webhook("wh_all", "https://b.example/hook", [.. WebhookEventTypes.All]));

        // More than one chunk of deliveries, so the delete goes in several statements.
        var count = RetentionStore.ChunkRows + 20;
        var events = Enumerable.Range(0, count)
            .Select(i => new WebhookEvent("acme", WebhookEventTypes.IncidentCreated, $"261207-{i:000000}", T0, new { n = i }))
            .ToList();
        await store.Queue(events, T0);
        var claimed = await store.Claim("acme", T0, T0.AddMinutes(1), count);
        Assert.Equal(count, claimed.Count);

        // Day 0: most are delivered, one is given up on. Day 5: one more is delivered. Three stay queued.
        foreach (var delivery in claimed.Take(count - 5))
        {
            await store.MarkDelivered(delivery, 204, T0);
        }

        await store.MarkFailed(claimed[count - 5], 500, "receiver kept answering 500", T0);
        await store.MarkDelivered(claimed[count - 4], 200, T0.AddDays(5));
        foreach (var delivery in claimed.TakeLast(3))
        {
            await store.Release(delivery, T0.AddDays(30));
        }

        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await sweeper.SweepOnce(default));

        clock.Advance(TimeSpan.FromMinutes(2));
        var report = await sweeper.SweepOnce(default);
        Assert.Equal(new RetentionReport(0, 0, 0, 0, count - 4), report);
        Assert.True(report.Any);
        var counts = (await store.Counts("acme"))["wh_all"];
        Assert.Equal((3L, 1L, 0L), (counts.Queued, counts.Delivered, counts.Failed));

        // The day-5 delivery goes at day 12; the queued ones never go by age.
        clock.Advance(TimeSpan.FromDays(5));
        Assert.Equal(new RetentionReport(0, 0, 0, 0, 1), await sweeper.SweepOnce(default));
        clock.Advance(TimeSpan.FromDays(60));
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await sweeper.SweepOnce(default));
        Assert.Equal(3L, (await store.Counts("acme"))["wh_all"].Queued);

        // The webhook still works: a new event is queued for it as before.
        Assert.Equal(1, (await store.Queue([new WebhookEvent("acme", WebhookEventTypes.IncidentCreated, "261207-999999", clock.GetUtcNow(), new { n = 0 })], clock.GetUtcNow()))["acme"]);
    }
}

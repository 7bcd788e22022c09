using Techmail.Incidents;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>
/// What the web console's queues read, on both real databases: open incidents counted by status, queue and
/// assignee; the assignee filter; and the feed of changed incidents that live screens follow.
/// </summary>
public sealed class IncidentQueueStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_counts_open_work_filters_by_assignee_and_feeds_changes() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_counts_open_work_filters_by_assignee_and_feeds_changes() => await Scenario(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new IncidentStore(database);
        var list = new IncidentListStore(database);
        async Task Create(int i, DateTimeOffset at, string tenant = "acme")
        {
            var incident = new IncidentSummary($"261207-{i:000000}", $"Question {i}", "ann@example.net", "support", IncidentStatus.New, null, null, null, null, [], [], at, at);
            await store.Create(tenant, incident, new NewEntry(EntryAuthor.Customer, incident.Contact, "body", at, $"<m{i}@x>", $"{tenant}-key-{i}", []));
        }

        for (var i = 1; i <= 6; i++)
        {
            await Create(i, T0.AddSeconds(i));
        }

        await Create(99, T0, tenant: "other");
        await store.Update("acme", "261207-000001", new IncidentChanges(Queue: "billing", Assignee: "sam"), [], [], T0.AddMinutes(1));
        await store.Update("acme", "261207-000002", new IncidentChanges(IncidentStatus.Waiting, Queue: "billing", Assignee: "sam"), [], [], T0.AddMinutes(1));
        await store.Update("acme", "261207-000003", new IncidentChanges(IncidentStatus.Updated, Queue: "billing"), [], [], T0.AddMinutes(1));
        await store.Update("acme", "261207-000004", new IncidentChanges(IncidentStatus.Solved, Queue: "billing", Assignee: "sam"), [], [], T0.AddMinutes(1));

        // Solved work is not counted; the rest is, by status, queue and assignee (null: not set).
        var counts = await list.Counts("acme");
        Assert.Equal(
            new[]
            {
                new IncidentCount(IncidentStatus.New, null, null, 2),
                new IncidentCount(IncidentStatus.New, "billing", "sam", 1),
                new IncidentCount(IncidentStatus.Updated, "billing", null, 1),
                new IncidentCount(IncidentStatus.Waiting, "billing", "sam", 1),
            },
            counts.OrderBy(c => c.Status).ThenBy(c => c.Queue).ThenBy(c => c.Assignee));
        Assert.Empty(await list.Counts("nobody"));

        Assert.Equal(["261207-000004", "261207-000002", "261207-000001"], (await list.List(new IncidentQuery("acme", Assignee: "sam"))).Incidents.Select(i => i.Reference));
        Assert.Equal(["261207-000006", "261207-000005", "261207-000003"], (await list.List(new IncidentQuery("acme", Assignee: ""))).Incidents.Select(i => i.Reference));
        Assert.Equal(["261207-000002"], (await list.List(new IncidentQuery("acme", Status: IncidentStatus.Waiting, Queue: "billing", Assignee: "sam"))).Incidents.Select(i => i.Reference));

        // Changed since a time: oldest change first, this tenant only, at most as many as asked.
        var since = await list.ChangedSince("acme", T0.AddSeconds(5), 10);
        Assert.Equal(["261207-000005", "261207-000006", "261207-000001", "261207-000002", "261207-000003", "261207-000004"], since.Select(i => i.Reference));
        Assert.Equal(2, (await list.ChangedSince("acme", T0.AddSeconds(5), 2)).Count);

        // The feed: a screen takes a position, then is told of each incident changed after it, once, in its newest state.
        var clock = new ManualClock(T0.AddMinutes(10));
        var feed = new IncidentFeed((from, take) => list.ChangedSince("acme", from, take), clock);
        feed.Watch();
        var start = feed.Position;
        Assert.False(await feed.Look());
        Assert.Empty(feed.After(start).Changed);

        await store.Update("acme", "261207-000005", new IncidentChanges(Assignee: "kim"), [], [], clock.GetUtcNow().AddSeconds(-2));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await feed.Look());
        var first = feed.After(start);
        Assert.False(first.Restart);
        Assert.Equal("kim", Assert.Single(first.Changed).Assignee);

        // Stamped before the last look but committed after it: the next look reads back far enough to find it, and
        // what it found already is not told twice.
        await store.Update("acme", "261207-000006", new IncidentChanges(Queue: "late"), [], [], clock.GetUtcNow().AddSeconds(-3));
        await store.Update("acme", "261207-000005", new IncidentChanges(Priority: "high"), [], [], clock.GetUtcNow().AddSeconds(-1));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await feed.Look());
        var second = feed.After(first.Position);
        Assert.Equal(["261207-000006", "261207-000005"], second.Changed.Select(i => i.Reference));
        Assert.Equal("high", second.Changed[1].Priority);
        var fromStart = feed.After(start);
        Assert.Equal(["261207-000006", "261207-000005"], fromStart.Changed.Select(i => i.Reference));
        Assert.Equal(("high", "kim"), (fromStart.Changed[1].Priority, fromStart.Changed[1].Assignee));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await feed.Look());
        Assert.Empty(feed.After(second.Position).Changed);

        // A position from another activation (the grain moved or restarted) cannot be continued: read everything again.
        Assert.True(feed.After(new FeedPosition(Guid.NewGuid(), 1)).Restart);
        Assert.True(feed.After(start with { Sequence = 1000 }).Restart);
        Assert.Equal(second.Position, FeedPosition.Parse(second.Position.ToString()));
        Assert.Null(FeedPosition.Parse("not-a-position"));
    }
}

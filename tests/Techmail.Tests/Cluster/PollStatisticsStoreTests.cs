using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>The per-silo, per-minute poll figures behind 'techmail status', on both real databases.</summary>
public sealed class PollStatisticsStoreTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    private static readonly DateTimeOffset Minute0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Sqlite_merges_silos_and_minutes() => await MergesSilosAndMinutes(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_merges_silos_and_minutes() => await MergesSilosAndMinutes(await ScratchDatabases.Postgres());

    private static async Task MergesSilosAndMinutes(TechmailDatabase database)
    {
        var store = new PollStatisticsStore(database);
        await store.Write("silo-a", [Minute(0, polls: 100, lateMs: 20, busy: 1), Minute(1, polls: 100, lateMs: 20)]);
        await store.Write("silo-b", [Minute(1, polls: 50, lateMs: 3_000, missed: 2, doubled: 1, failed: 4, messages: 7)]);
        // A minute is written whole again as it grows: the newer row replaces the older.
        await store.Write("silo-a", [Minute(1, polls: 150, lateMs: 20)]);
        // Outside the window.
        await store.Write("silo-a", [Minute(5, polls: 999, lateMs: 60_000)]);

        var summary = await store.Summarize(Minute0, Minute0 + TimeSpan.FromMinutes(2));

        Assert.Equal(2, summary.Silos);
        Assert.Equal(300, summary.Polls);
        Assert.Equal(TimeSpan.FromMinutes(2), summary.Window);
        Assert.Equal(2.5, summary.PollsPerSecond);
        Assert.Equal((1L, 2L, 1L, 4L, 7L), (summary.BusySkips, summary.MissedTicks, summary.DoubledTicks, summary.FailedPolls, summary.Messages));
        Assert.InRange(summary.LatenessP50.TotalMilliseconds, 20, 30);
        Assert.InRange(summary.LatenessP99.TotalMilliseconds, 3_000, 3_100);
        Assert.Equal(TimeSpan.FromSeconds(3), summary.LatenessMax);

        await store.Prune(Minute0 + TimeSpan.FromMinutes(3));
        Assert.Equal(999, (await store.Summarize(Minute0, Minute0 + TimeSpan.FromMinutes(10))).Polls);
    }

    private static PollMinuteRecord Minute(int minute, long polls, int lateMs, long busy = 0, long missed = 0, long doubled = 0, long failed = 0, long messages = 0)
    {
        var lateness = new LatenessHistogram();
        for (var i = 0; i < polls; i++)
        {
            lateness.Add(TimeSpan.FromMilliseconds(lateMs));
        }

        return new PollMinuteRecord((Minute0 + TimeSpan.FromMinutes(minute)).ToUnixTimeSeconds(), polls, lateness, busy, 0, missed, doubled, failed, messages);
    }

    public void Dispose() => _databases.Dispose();
}

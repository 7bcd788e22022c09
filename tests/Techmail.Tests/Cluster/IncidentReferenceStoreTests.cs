using Techmail.Incidents;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>Reference number blocks reserved concurrently on both real databases never overlap.</summary>
public sealed class IncidentReferenceStoreTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 27);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_blocks_are_disjoint_under_concurrency() => await BlocksAreDisjoint(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_blocks_are_disjoint_under_concurrency() => await BlocksAreDisjoint(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task BlocksAreDisjoint(TechmailDatabase database)
    {
        var store = new IncidentReferenceStore(database);
        // Eight writers at once, as eight silos would be.
        var firsts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var mine = new List<long>();
            for (var i = 0; i < 25; i++)
            {
                mine.Add(await store.ReserveBlock("acme", Day, 100));
            }

            return mine;
        }));

        var all = firsts.SelectMany(f => f).Order().ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => 1 + (i * 100L)), all);

        // Tenants and days count on their own.
        Assert.Equal(1L, await store.ReserveBlock("other", Day, 100));
        Assert.Equal(1L, await store.ReserveBlock("acme", Day.AddDays(1), 100));

        // The day's last block is cut short at 999,999 by the allocator, which owns the limit; after it, the day is used up.
        await store.ReserveBlock("full", Day, (int)(IncidentReference.MaxSequence - 10));
        var allocator = new ReferenceBlockAllocator(100, store.ReserveBlock);
        for (var expected = 999_990; expected <= IncidentReference.MaxSequence; expected++)
        {
            Assert.Equal(new IncidentReference(Day, expected), await allocator.Next("full", Day, CancellationToken.None));
        }

        var exhausted = await Assert.ThrowsAsync<InvalidOperationException>(() => allocator.Next("full", Day, CancellationToken.None));
        Assert.Contains("all 999,999 incident references of 2026-11-27 are used", exhausted.Message);
    }
}

using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>The rows status reads the limits from, on both storage profiles.</summary>
public sealed class SessionLimitsStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_796_000_000);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_shows_only_the_limits_reached_or_cut_within_the_window_from_silos_still_writing() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_shows_only_the_limits_reached_or_cut_within_the_window_from_silos_still_writing() => await Scenario(await ScratchDatabases.Postgres());

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new SessionLimitsStore(database);
        var window = Now - TimeSpan.FromMinutes(10);
        await store.Write("silo-a", [
            new SessionLimitRow("silo", 256, 256, 256, 40, 0, 0, null, 0, null, null, Now),
            new SessionLimitRow("accounts", 0, 0, 0, 40, 0, 3, Now - TimeSpan.FromMinutes(30), 0, null, null, Now),
            new SessionLimitRow(SessionLimitsStore.HostScope("Mail.Example.com"), 42, 2, 128, 42, 7, 1234, Now - TimeSpan.FromSeconds(5), 0, null, null, Now),
            new SessionLimitRow(SessionLimitsStore.HostScope("pushy.example.com"), 11, 2, 128, 3, 0, 0, null, 2, "InUse", Now - TimeSpan.FromMinutes(1), Now),
        ]);
        // A silo that stopped writing long ago: its limits are no one's now.
        await store.Write("silo-gone", [new SessionLimitRow("silo", 256, 256, 256, 256, 9, 99, Now - TimeSpan.FromMinutes(20), 0, null, null, Now - TimeSpan.FromMinutes(20))]);

        var shown = await store.Reached(window, Now);
        Assert.Equal(["host mail.example.com", "host pushy.example.com"], shown.Select(s => $"{s.Scope} {s.Host}"));
        var reached = shown[0];
        Assert.True(reached.Reached);
        Assert.Equal((42, 2, 128, 42, 7, 1234L), (reached.Limit, reached.Floor, reached.Ceiling, reached.InUse, reached.Waiting, reached.Waits));
        Assert.Equal(Now - TimeSpan.FromSeconds(5), reached.LastWait);
        var cut = shown[1];
        Assert.False(cut.Reached);
        Assert.Equal(("InUse", 2L, Now - TimeSpan.FromMinutes(1)), (cut.LastPushback, cut.Pushbacks, cut.LastCut!.Value));

        // Rewritten in place: the silo cap reached now shows first.
        await store.Write("silo-a", [new SessionLimitRow("silo", 256, 256, 256, 256, 12, 40, Now, 0, null, null, Now)]);
        Assert.Equal("silo", (await store.Reached(window, Now))[0].Scope);

        await store.Prune(Now - TimeSpan.FromMinutes(15));
        Assert.DoesNotContain(await store.Reached(Now - TimeSpan.FromHours(1), Now), s => s.Silo == "silo-gone");
    }

    public void Dispose() => _databases.Dispose();
}

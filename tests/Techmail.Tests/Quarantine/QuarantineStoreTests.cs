using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Quarantine;

/// <summary>The quarantine on both real databases: one row per message however often it is set aside, and hostile text stored.</summary>
public sealed class QuarantineStoreTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_keeps_one_row_per_message_however_often_it_is_set_aside() => await OneRowPerMessage(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_keeps_one_row_per_message_however_often_it_is_set_aside() => await OneRowPerMessage(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_stores_NUL_bytes_and_lone_surrogates_as_replacement_characters() => await HostileText(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_stores_NUL_bytes_and_lone_surrogates_as_replacement_characters() => await HostileText(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_upgrade_keeps_the_oldest_of_the_copies_an_earlier_version_made() =>
        await UpgradeScenario(_databases.EmptySqlite(), "BLOB", "TEXT");

    [Fact]
    public async Task Postgres_upgrade_keeps_the_oldest_of_the_copies_an_earlier_version_made() =>
        await UpgradeScenario(new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase()), "BYTEA", "TIMESTAMPTZ");

    public void Dispose() => _databases.Dispose();

    private static async Task OneRowPerMessage(TechmailDatabase database)
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var store = new QuarantineStore(database, clock);
        var raw = "Subject: x\r\n\r\nbody\r\n"u8.ToArray();

        var first = await store.Hold("t", "box", "key-1", "7", "a@example.com", "x", raw, MailStage.IncidentBuilder, "could not be turned into an incident: one");
        clock.Advance(TimeSpan.FromMinutes(1));
        var again = await store.Hold("t", "box", "key-1", "7", "a@example.com", "x", raw, MailStage.IncidentBuilder, "could not be turned into an incident: two");
        await store.Hold("t", "box", "key-2", "8", null, null, raw, MailStage.Screening, "cannot be parsed");

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.Created, again.Created);
        var listed = await store.List("t", "box", includeResolved: true, take: 10);
        Assert.Equal(2, listed.Count);
        var one = Assert.Single(listed, m => m.MessageKey == "key-1");
        Assert.Equal("could not be turned into an incident: two", one.Reason);
        Assert.Equal(MailStage.IncidentBuilder, one.Stage);
        Assert.Equal(MailStage.Screening, Assert.Single(listed, m => m.MessageKey == "key-2").Stage);

        // Reprocessed, then failing again: the same row is held again, not a second one.
        Assert.True(await store.SetState("t", first.Id, QuarantineState.Reprocessed));
        var third = await store.Hold("t", "box", "key-1", "7", "a@example.com", "x", raw, MailStage.Intake, "hand-off failed: three");
        Assert.Equal(first.Id, third.Id);
        var held = Assert.Single(await store.List("t", "box", includeResolved: false, take: 10), m => m.MessageKey == "key-1");
        Assert.Equal(QuarantineState.Held, held.State);
        Assert.Equal(MailStage.Intake, held.Stage);
        Assert.Equal(2, (await store.List("t", "box", includeResolved: true, take: 10)).Count);
    }

    private static async Task HostileText(TechmailDatabase database)
    {
        var store = new QuarantineStore(database, TimeProvider.System);
        var from = "bad\0 4@fuz\0.e\0ample";
        var subject = "half a pair \uD83D and a NUL \0; " + new string('x', 970) + "😀";
        var held = await store.Hold("t", "box", "key-h", "9", from, subject, [0, 1, 2], MailStage.Screening, "reason with a NUL \0");

        var stored = Assert.Single(await store.List("t", "box", includeResolved: true, take: 10));
        Assert.Equal(held.Id, stored.Id);
        Assert.Equal("bad\uFFFD 4@fuz\uFFFD.e\uFFFDample", stored.From);
        Assert.StartsWith("half a pair \uFFFD and a NUL \uFFFD; xxx", stored.Subject);
        // Clipped to 998 characters without cutting the emoji in half.
        Assert.Equal(997, stored.Subject!.Length);
        Assert.Equal("reason with a NUL \uFFFD", stored.Reason);
        var trace = Assert.Single(await new MessageLedger(database).Newest("t", "box", 10));
        Assert.Equal(TraceVerdict.Quarantined, trace.Verdict);
        Assert.Equal("bad\uFFFD 4@fuz\uFFFD.e\uFFFDample", trace.From);
    }

    /// <summary>A quarantine as the version before stages and one row per message left it, with a message held three times.</summary>
    private static async Task UpgradeScenario(TechmailDatabase database, string blob, string time)
    {
        await using (var connection = await database.OpenAsync())
        {
            await using var create = TechmailDatabase.Command(
                connection,
                $"""
                CREATE TABLE techmail_quarantine (id TEXT NOT NULL PRIMARY KEY, tenant TEXT NOT NULL, mailbox TEXT NOT NULL,
                    message_key TEXT NOT NULL, server_uid TEXT NOT NULL, sender TEXT NULL, subject TEXT NULL, size_bytes BIGINT NOT NULL,
                    reason TEXT NOT NULL, raw {blob} NOT NULL, state TEXT NOT NULL, created_utc {time} NOT NULL);
                """);
            await create.ExecuteNonQueryAsync();
            var t0 = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
            foreach (var (id, key, minutes) in new[] { ("c", "k1", 2), ("a", "k1", 0), ("b", "k1", 1), ("d", "k2", 5) })
            {
                await using var insert = TechmailDatabase.Command(
                    connection,
                    "INSERT INTO techmail_quarantine VALUES (@id, 't', 'box', @key, '1', NULL, NULL, 3, 'retried', @raw, 'Held', @time)",
                    ("@id", id), ("@key", key), ("@raw", new byte[] { 1, 2, 3 }), ("@time", t0.AddMinutes(minutes)));
                await insert.ExecuteNonQueryAsync();
            }
        }

        await SchemaInstaller.Apply(database);

        var store = new QuarantineStore(database, TimeProvider.System);
        var rows = await store.List("t", "box", includeResolved: true, take: 10);
        Assert.Equal(["a", "d"], rows.Select(r => r.Id).Order());
        Assert.All(rows, r => Assert.Equal(MailStage.Intake, r.Stage));
        var again = await store.Hold("t", "box", "k1", "1", null, null, [1, 2, 3], MailStage.IncidentBuilder, "again");
        Assert.Equal("a", again.Id);
    }
}

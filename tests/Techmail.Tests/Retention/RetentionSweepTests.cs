using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Retention;
using Techmail.Storage;
using Techmail.Tenants;
using Techmail.Tests.Support;

namespace Techmail.Tests.Retention;

/// <summary>
/// The retention sweep on both real databases, with a clock the test moves: sent outbox bodies after 7 days, dropped
/// quarantine bodies 30 days after the drop, everything of a removed mailbox 30 days after its removal; nothing else.
/// </summary>
public sealed class RetentionSweepTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
    private static readonly RetentionPolicy Policy = new();
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_drops_old_bodies_and_removed_mailboxes_rows_after_their_retention_and_nothing_else() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_drops_old_bodies_and_removed_mailboxes_rows_after_their_retention_and_nothing_else() => await Scenario(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_upgrade_keeps_mail_dropped_before_it_for_the_whole_retention_from_the_upgrade() =>
        await UpgradeScenario(_databases.EmptySqlite(), "BLOB", "TEXT");

    [Fact]
    public async Task Postgres_upgrade_keeps_mail_dropped_before_it_for_the_whole_retention_from_the_upgrade() =>
        await UpgradeScenario(new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase()), "BYTEA", "TIMESTAMPTZ");

    public void Dispose() => _databases.Dispose();

    /// <summary>A quarantine as the version before resolved_utc left it, with mail dropped long ago.</summary>
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
                INSERT INTO techmail_quarantine VALUES ('q1', 'acme', 'support', 'k1', '1', NULL, NULL, 4, 'test', @raw, 'Dropped', @created);
                INSERT INTO techmail_quarantine VALUES ('q2', 'acme', 'support', 'k2', '2', NULL, NULL, 4, 'test', @raw, 'Held', @created);
                """,
                ("@raw", "body"u8.ToArray()),
                ("@created", new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
            await create.ExecuteNonQueryAsync();
        }

        await SchemaInstaller.Apply(database);
        // A second start finds nothing left to upgrade.
        await SchemaInstaller.Apply(database);

        // The database's clock stamped the upgrade; retention counts from there, not from the mail's age.
        var upgraded = DateTimeOffset.UtcNow;
        var clock = new ManualClock(upgraded.AddDays(30).AddMinutes(-5));
        var sweeper = new RetentionSweeper(new RetentionStore(database), Policy, clock, NullLogger<RetentionSweeper>.Instance);
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await sweeper.SweepOnce(default));
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(new RetentionReport(0, 1, 0, 0), await sweeper.SweepOnce(default));

        var quarantine = new QuarantineStore(database, clock);
        Assert.Empty(await quarantine.GetRaw("acme", "q1") ?? [1]);
        Assert.Equal("body"u8.ToArray(), await quarantine.GetRaw("acme", "q2"));
    }

    private static async Task Scenario(TechmailDatabase database)
    {
        var clock = new ManualClock(T0);
        var outbox = new OutboxStore(database, clock);
        var quarantine = new QuarantineStore(database, clock);
        var inbound = new InboundStore(database, clock);
        var directory = new SqlMailboxDirectoryStore(database, clock);
        var sweeper = new RetentionSweeper(new RetentionStore(database), Policy, clock, NullLogger<RetentionSweeper>.Instance);
        var body = Encoding.ASCII.GetBytes("Subject: hello\r\n\r\nbody\r\n");

        foreach (var name in new[] { "support", "old", "back" })
        {
            await directory.Upsert("acme", Summary(name));
        }

        // Outbox: one sent, one still queued, one failed.
        var (sent, _) = await outbox.Enqueue(Mail("support", "ack:sent", body));
        var (queued, _) = await outbox.Enqueue(Mail("support", "ack:queued", body));
        var (failed, _) = await outbox.Enqueue(Mail("support", "ack:failed", body));
        await outbox.MarkSent(sent, T0);
        await outbox.MarkFailed(failed, "550 no such user", T0);

        // Quarantine: one an admin drops after 10 days, one still held.
        var dropped = await quarantine.Hold("acme", "support", "q-dropped", "1", "a@example.net", "spam", body, MailStage.Intake, "test");
        var held = await quarantine.Hold("acme", "support", "q-held", "2", "a@example.net", "kept", body, MailStage.Intake, "test");

        // Each mailbox has mail recorded (trace, waiting mail, its bytes), quarantine and outbox rows; "old" has
        // more trace rows than one delete takes, so it goes in several.
        foreach (var name in new[] { "support", "old", "back" })
        {
            await inbound.Record("incident", [.. Enumerable.Range(0, 3).Select(i => Message(name, $"{name}-in-{i}", body))]);
            await quarantine.Hold("acme", name, $"{name}-q", "9", null, null, body, MailStage.Intake, "test");
            await outbox.Enqueue(Mail(name, $"ack:{name}", body));
        }

        await new MessageLedger(database).Record("acme", "old", [.. Enumerable.Range(0, RetentionStore.ChunkRows * 2 + 7).Select(Trace)]);

        clock.Advance(TimeSpan.FromDays(1));
        await directory.Delete("acme", "old");
        await directory.Delete("acme", "back");
        clock.Advance(TimeSpan.FromDays(1));
        // Added back the next day: what it left is its own again and stays.
        await directory.Upsert("acme", Summary("back"));

        clock.Advance(TimeSpan.FromDays(4));
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await sweeper.SweepOnce(default));

        // Day 7 and a minute: the sent body goes, its row (state, dedupe key) stays; queued and failed mail keep theirs.
        clock.Advance(TimeSpan.FromDays(1).Add(TimeSpan.FromMinutes(1)));
        Assert.Equal(new RetentionReport(1, 0, 0, 0), await sweeper.SweepOnce(default));
        var rows = (await outbox.List("acme", "support", null, 10)).ToDictionary(e => e.Id);
        Assert.Equal((OutboxState.Sent, 0L), (rows[sent].State, rows[sent].Size));
        Assert.Equal(body.Length, rows[queued].Size);
        Assert.Equal(body.Length, rows[failed].Size);
        Assert.False((await outbox.Enqueue(Mail("support", "ack:sent", body))).Queued);
        Assert.Equal(1L, (await outbox.Counts("acme", "support")).Sent);

        clock.Advance(T0.AddDays(10) - clock.GetUtcNow());
        Assert.True(await quarantine.SetState("acme", dropped.Id, QuarantineState.Dropped));

        // Day 30 after the removal, a minute short: "old" is still all there.
        clock.Advance(T0.AddDays(31) - clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await sweeper.SweepOnce(default));
        // Its trace: the rows above, one per recorded mail and one for its quarantined mail.
        const int OldTrace = RetentionStore.ChunkRows * 2 + 7 + 3 + 1;
        Assert.Equal(OldTrace, await Count(database, "techmail_message_trace", "old"));

        // A minute past it: every row "old" left goes, in chunks; the other mailboxes keep theirs.
        clock.Advance(TimeSpan.FromMinutes(2));
        var forgotten = await sweeper.SweepOnce(default);
        Assert.Equal((1, (long)(OldTrace + 3 + 3 + 1 + 1)), (forgotten.MailboxesForgotten, forgotten.MailboxRows));
        foreach (var table in new[] { "techmail_message_trace", "techmail_inbound", "techmail_inbound_raw", "techmail_quarantine", "techmail_outbox" })
        {
            Assert.Equal(0, await Count(database, table, "old"));
            Assert.True(await Count(database, table, "support") > 0, table);
            Assert.True(await Count(database, table, "back") > 0, table);
        }

        Assert.Equal(0, await Scalar(database, "SELECT COUNT(*) FROM techmail_removed_mailboxes"));

        // 30 days after the drop (day 40), its bytes go; the row stays, and held mail keeps its bytes whatever its age.
        clock.Advance(T0.AddDays(40) - clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await sweeper.SweepOnce(default));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(new RetentionReport(0, 1, 0, 0), await sweeper.SweepOnce(default));
        var listed = (await quarantine.List("acme", "support", includeResolved: true, 10)).ToDictionary(q => q.Id);
        Assert.Equal((QuarantineState.Dropped, (long)body.Length), (listed[dropped.Id].State, listed[dropped.Id].Size));
        Assert.Empty(await quarantine.GetRaw("acme", dropped.Id) ?? [1]);
        Assert.Equal(body, await quarantine.GetRaw("acme", held.Id));
        Assert.Equal(body, (await inbound.Pending("acme", "support", "incident", 10)).First().Raw);

        // Held again (the same message set aside once more), it has its bytes again.
        await quarantine.Hold("acme", "support", "q-dropped", "1", "a@example.net", "spam", body, MailStage.Intake, "again");
        Assert.Equal(body, await quarantine.GetRaw("acme", dropped.Id));

        // Nothing is done twice.
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await sweeper.SweepOnce(default));
    }

    private static MailboxSummary Summary(string name) =>
        new(name, MailboxType.Service, true, MailboxDirection.Incoming, $"{name}@mail.example.com", null, TimeSpan.FromMinutes(5));

    private static QueuedMail Mail(string mailbox, string dedupe, byte[] raw) =>
        new("acme", mailbox, dedupe, "INC-1", "bounces@example.com", ["ann@example.net"], raw);

    private static InboundMessage Message(string mailbox, string key, byte[] raw) =>
        new("acme", mailbox, MailboxType.Service, key, key, $"<{key}@example.net>", "ann@example.net", "hello", raw);

    private static TraceEntry Trace(int i) =>
        new($"old-trace-{i}", $"{i}", null, "ann@example.net", "hello", 10, TraceVerdict.Discarded, "filter", T0);

    private static Task<long> Count(TechmailDatabase database, string table, string mailbox) =>
        Scalar(database, $"SELECT COUNT(*) FROM {table} WHERE tenant = 'acme' AND mailbox = @mailbox", ("@mailbox", mailbox));

    private static async Task<long> Scalar(TechmailDatabase database, string sql, params (string, object?)[] parameters)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}

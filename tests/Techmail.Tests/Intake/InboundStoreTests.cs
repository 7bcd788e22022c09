using System.Text;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Intake;

/// <summary>Recorded Service mail read back for the incident builder, on both real databases.</summary>
public sealed class InboundStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_reads_waiting_mail_oldest_first_after_a_position_and_from_memory_when_it_holds_it() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_reads_waiting_mail_oldest_first_after_a_position_and_from_memory_when_it_holds_it() => await Scenario(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_upgrade_moves_recorded_bytes_out_of_the_inbound_rows_of_an_earlier_version() =>
        await UpgradeScenario(_databases.EmptySqlite(), "BLOB", "TEXT", "SELECT COUNT(*) FROM pragma_table_info('techmail_inbound') WHERE name = 'raw'");

    [Fact]
    public async Task Postgres_upgrade_moves_recorded_bytes_out_of_the_inbound_rows_of_an_earlier_version() =>
        await UpgradeScenario(
            new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase()),
            "BYTEA",
            "TIMESTAMPTZ",
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'techmail_inbound' AND column_name = 'raw'");

    [Fact]
    public async Task Sqlite_counts_the_mail_of_a_mailbox_still_waiting_to_become_incidents() => await WaitingScenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_counts_the_mail_of_a_mailbox_still_waiting_to_become_incidents() => await WaitingScenario(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    /// <summary>A database as the version before techmail_inbound_raw left it, with mail recorded and still waiting.</summary>
    private static async Task UpgradeScenario(TechmailDatabase database, string blob, string time, string rawColumns)
    {
        var old = Message("k-old", "recorded before the upgrade");
        await using (var connection = await database.OpenAsync())
        {
            await using var create = TechmailDatabase.Command(
                connection,
                $"""
                CREATE TABLE techmail_inbound (tenant TEXT NOT NULL, mailbox TEXT NOT NULL, message_key TEXT NOT NULL, kind TEXT NOT NULL,
                    raw {blob} NOT NULL, received_utc {time} NOT NULL, state TEXT NOT NULL, PRIMARY KEY (tenant, mailbox, message_key));
                INSERT INTO techmail_inbound VALUES ('acme', 'support', 'k-old', 'incident', @raw, @received, 'pending');
                """,
                ("@raw", old.Raw),
                ("@received", T0.UtcDateTime));
            await create.ExecuteNonQueryAsync();
        }

        await SchemaInstaller.Apply(database);
        // A second start finds nothing left to upgrade.
        await SchemaInstaller.Apply(database);

        await using (var connection = await database.OpenAsync())
        await using (var probe = TechmailDatabase.Command(connection, rawColumns))
        {
            Assert.Equal(0L, Convert.ToInt64(await probe.ExecuteScalarAsync()));
        }

        var store = new InboundStore(database, new ManualClock(T0.AddMinutes(1)));
        Assert.Equal(1, (await store.Record("incident", [Message("k-new", "recorded after it")])).Recorded);
        var waiting = await store.Pending("acme", "support", "incident", 10);
        Assert.Equal(["k-old", "k-new"], waiting.Select(r => r.MessageKey));
        Assert.Equal(old.Raw, waiting[0].Raw);
    }

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new InboundStore(database, new ManualClock(T0));
        var messages = Enumerable.Range(0, 5).Select(i => Message($"k{i}", $"mail {i}")).ToList();
        Assert.Equal(5, (await store.Record("incident", messages)).Recorded);

        // Recorded together, read in the order handed off (a microsecond apart), not in key order.
        var memory = new RecordedMailMemory(TimeProvider.System);
        memory.Keep("acme", "support", "k1", messages[1].Raw);
        var first = await store.Pending("acme", "support", "incident", 3, memory);
        Assert.Equal(["k0", "k1", "k2"], first.Select(r => r.MessageKey));
        Assert.Equal(messages.Take(3).Select(m => m.Raw), first.Select(r => r.Raw));
        // The bytes held in memory are handed over, once; the others were read from the rows.
        Assert.Same(messages[1].Raw, first[1].Raw);
        Assert.Null(memory.Take("acme", "support", "k1"));

        // Asked for what follows the batch still being written, the rows of that batch are not read again.
        var next = await store.Pending("acme", "support", "incident", 3, memory, first[^1].Position);
        Assert.Equal(["k3", "k4"], next.Select(r => r.MessageKey));
        Assert.Empty(await store.Pending("acme", "support", "incident", 3, memory, next[^1].Position));

        // A batch stops once its mail adds up to the bytes asked for, and always holds at least one.
        Assert.Equal(["k0", "k1"], (await store.Pending("acme", "support", "incident", 10, maxBytes: messages[0].Raw.Length + 1)).Select(r => r.MessageKey));
        Assert.Equal(["k0"], (await store.Pending("acme", "support", "incident", 10, maxBytes: 1)).Select(r => r.MessageKey));

        // Finished rows leave the oldest-first read; what is still waiting comes first again.
        await using (var turn = await database.WriterTurn())
        await using (var connection = await turn.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await InboundStore.Finish(connection, transaction, "acme", "support", ["k0", "k1", "k3"], InboundOutcome.Done);
            await transaction.CommitAsync();
        }

        Assert.Equal(["k2", "k4"], (await store.Pending("acme", "support", "incident", 10)).Select(r => r.MessageKey));

        // Pruning takes finished rows and their bytes; mail still waiting keeps both.
        Assert.Equal(3, await store.Prune(T0.AddMinutes(1), CancellationToken.None));
        Assert.Equal(2, await store.Count("acme", "support"));
        Assert.Equal([messages[2].Raw, messages[4].Raw], (await store.Pending("acme", "support", "incident", 10)).Select(r => r.Raw));
        await using var reading = await database.OpenAsync();
        await using var bytes = TechmailDatabase.Command(reading, "SELECT COUNT(*) FROM techmail_inbound_raw");
        Assert.Equal(2L, Convert.ToInt64(await bytes.ExecuteScalarAsync()));
    }

    /// <summary>What <c>mailbox poll --until-built</c> waits on: pending and released rows count, finished ones and bounces do not.</summary>
    private static async Task WaitingScenario(TechmailDatabase database)
    {
        var store = new InboundStore(database, new ManualClock(T0));
        var backlog = new IntakeBacklogReader(database);
        await store.Record("incident", [Message("w0", "first"), Message("w1", "second"), Message("w2", "third")]);
        // A bounce is recorded as a bounce in the hand-off itself; nothing is left to build from it.
        await store.Record("bounce", [Message("b0", "returned mail")]);
        Assert.Equal(3, (await backlog.Read("acme", "support")).Waiting);
        Assert.Equal(0, (await backlog.Read("acme", "other")).Waiting);

        await using (var turn = await database.WriterTurn())
        await using (var connection = await turn.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await InboundStore.Finish(connection, transaction, "acme", "support", ["w0"], InboundOutcome.Done);
            await InboundStore.Finish(connection, transaction, "acme", "support", ["w1"], InboundOutcome.Held);
            await transaction.CommitAsync();
        }

        Assert.Equal(1, (await backlog.Read("acme", "support")).Waiting);

        // Released by an admin's reprocess, held mail waits again.
        await store.Record("incident", [Message("w1", "second")]);
        Assert.Equal(2, (await backlog.Read("acme", "support")).Waiting);
    }

    private static InboundMessage Message(string key, string subject) =>
        new("acme", "support", MailboxType.Service, key, $"uid-{key}", $"<{key}@example.net>", "ann@example.net", subject,
            Encoding.ASCII.GetBytes($"From: ann@example.net\r\nSubject: {subject}\r\n\r\n{subject}\r\n"));
}

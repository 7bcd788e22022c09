using System.Text;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Contacts;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Bounces;

/// <summary>
/// The store side of tying bounces, on both real databases: the outbox keeps each mail's Message-ID, the lookup finds
/// it whatever case the report copied it in, bounce rows keep their tie or the reason there is none, and a database
/// of the version before gets the columns and the index from the upgrade steps.
/// </summary>
public sealed class BounceTieStoreTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_finds_sent_mail_by_message_id_and_keeps_ties() => await FindsAndKeeps(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_finds_sent_mail_by_message_id_and_keeps_ties() => await FindsAndKeeps(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_upgrade_adds_message_ids_and_ties_to_an_earlier_version() =>
        await UpgradeScenario(_databases.EmptySqlite(), "INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB", "TEXT");

    [Fact]
    public async Task Postgres_upgrade_adds_message_ids_and_ties_to_an_earlier_version() =>
        await UpgradeScenario(new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase()),
            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BYTEA", "TIMESTAMPTZ");

    public void Dispose() => _databases.Dispose();

    private static async Task FindsAndKeeps(TechmailDatabase database)
    {
        var outbox = new OutboxStore(database, TimeProvider.System);
        await outbox.Enqueue(Mail("t1", "Ann@Example.NET", "<Mixed.Case-1@Sender.Example>"));
        await outbox.Enqueue(Mail("t2", "bob@example.net", "<other-tenant@sender.example>"));
        var lookup = new SentMailLookup(database);

        // Report writers copy ids back in any case; another tenant's mail is never found.
        var found = Assert.Single(await lookup.Find("t1", ["mixed.case-1@sender.example", "other-tenant@sender.example", "unknown@x"]));
        Assert.Equal("mixed.case-1@sender.example", found.MessageId);
        Assert.Equal("box", found.Mailbox);
        Assert.Equal(["Ann@Example.NET"], found.Recipients);
        Assert.Empty(await lookup.Find("t1", []));

        var tying = new BounceTying(lookup);
        var report = Report("t1", "k1", ["mixed.case-1@sender.example"], "ann@example.net", "mallory@example.net");
        var judged = await tying.Judge([report]);
        Assert.Equal("message-id:mixed.case-1@sender.example", judged[0].TiedTo);
        Assert.Equal("not tied to mail sent by this tenant: mallory@example.net was not a recipient of <mixed.case-1@sender.example>", judged[1].Untied);

        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await BounceStore.Record(connection, transaction, judged, DateTimeOffset.UtcNow);
            await transaction.CommitAsync();
        }

        var listed = await new BounceStore(database).List("t1", new BounceQuery());
        Assert.Equal("message-id:mixed.case-1@sender.example", Assert.Single(listed, b => b.Address == "ann@example.net").TiedTo);
        var untied = Assert.Single(listed, b => b.Address == "mallory@example.net");
        Assert.Null(untied.TiedTo);
        Assert.StartsWith("not tied to mail sent by this tenant", untied.Untied);
    }

    /// <summary>The outbox and bounce tables as the version before tying left them, each with a row.</summary>
    private static async Task UpgradeScenario(TechmailDatabase database, string identity, string blob, string time)
    {
        await using (var connection = await database.OpenAsync())
        {
            await using var create = TechmailDatabase.Command(
                connection,
                $"""
                CREATE TABLE techmail_outbox (id {identity}, tenant TEXT NOT NULL, mailbox TEXT NOT NULL, dedupe_key TEXT NULL,
                    reference TEXT NULL, envelope_from TEXT NOT NULL, recipients TEXT NOT NULL, raw {blob} NOT NULL, state TEXT NOT NULL,
                    attempts INTEGER NOT NULL, next_attempt_utc {time} NOT NULL, last_error TEXT NULL, created_utc {time} NOT NULL,
                    sent_utc {time} NULL, updated_utc {time} NOT NULL);
                CREATE TABLE techmail_bounces (tenant TEXT NOT NULL, mailbox TEXT NOT NULL, message_key TEXT NOT NULL, address TEXT NOT NULL,
                    reason TEXT NOT NULL, hard INTEGER NULL, status TEXT NULL, reply_code TEXT NULL, diagnostic TEXT NULL, mailing TEXT NULL,
                    received_utc {time} NOT NULL, PRIMARY KEY (tenant, message_key, address));
                INSERT INTO techmail_bounces VALUES ('t1', 'box', 'k-old', 'old@example.net', 'userunknown', 1, '5.1.1', '550', NULL, NULL, @now);
                """,
                ("@now", DateTime.UtcNow));
            await create.ExecuteNonQueryAsync();
        }

        await SchemaInstaller.Apply(database);
        // A second start finds nothing left to upgrade.
        await SchemaInstaller.Apply(database);

        var old = Assert.Single(await new BounceStore(database).List("t1", new BounceQuery()));
        Assert.Null(old.TiedTo);
        Assert.Null(old.Untied);
        await new OutboxStore(database, TimeProvider.System).Enqueue(Mail("t1", "new@example.net", "<after-upgrade@sender.example>"));
        Assert.Single(await new SentMailLookup(database).Find("t1", ["after-upgrade@sender.example"]));
    }

    private static QueuedMail Mail(string tenant, string to, string messageId) =>
        new(tenant, "box", null, null, "bounces@sender.example", [to], Encoding.ASCII.GetBytes(
            $"From: news@sender.example\r\nTo: {to}\r\nMessage-ID: {messageId}\r\nSubject: news\r\n\r\nThe news.\r\n"));

    private static InboundMessage Report(string tenant, string key, IReadOnlyList<string> ids, params string[] addresses) =>
        new(tenant, "returns", MailboxType.Marketing, key, "1", null, null, null, [1],
            [.. addresses.Select(a => new BounceFinding(a, "userunknown", true, "5.1.1", "550", null))], OriginalMessageIds: ids);
}

using Techmail.Incidents;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Replies;

/// <summary>
/// A database from before customer entries kept their reply text: the upgrade adds the column, old entries keep their
/// bodies and no reply text (they are shown whole), and new entries store theirs.
/// </summary>
public sealed class ReplyTextUpgradeTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    public void Dispose() => _databases.Dispose();

    [Fact]
    public Task Sqlite_adds_reply_texts_beside_old_entries() => Scenario(_databases.EmptySqlite(), "TEXT");

    [Fact]
    public async Task Postgres_adds_reply_texts_beside_old_entries() =>
        await Scenario(new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase()), "TIMESTAMPTZ");

    private static async Task Scenario(TechmailDatabase database, string time)
    {
        const string oldBody = "Still broken.\n\nOn Sun, 6 Dec 2026 at 10:00, Support <s@example.com> wrote:\n> Try again.";
        await using (var connection = await database.OpenAsync())
        {
            // The entries table as create script 008/009 made it before reply_text.
            await using var create = TechmailDatabase.Command(
                connection,
                $"""
                CREATE TABLE techmail_incident_entries (tenant TEXT NOT NULL, reference TEXT NOT NULL, sequence INTEGER NOT NULL, author TEXT NOT NULL,
                    sender TEXT NULL, body TEXT NOT NULL, message_id TEXT NULL, message_key TEXT NULL, created_utc {time} NOT NULL,
                    PRIMARY KEY (tenant, reference, sequence));
                INSERT INTO techmail_incident_entries VALUES ('acme', '261207-000001', 1, 'Customer', 'ann@example.net', @body, '<a@example.net>', 'key-1', @created);
                """,
                ("@body", oldBody),
                ("@created", T0.UtcDateTime));
            await create.ExecuteNonQueryAsync();
            Assert.Contains("010-reply-text.sql", await SchemaInstaller.PendingUpgrades(connection, database.Kind));
        }

        await SchemaInstaller.Apply(database);
        // A second start finds nothing left to upgrade.
        await SchemaInstaller.Apply(database);
        await using (var connection = await database.OpenAsync())
        {
            Assert.Empty(await SchemaInstaller.PendingUpgrades(connection, database.Kind));
        }

        var store = new IncidentStore(database);
        var incident = new IncidentSummary("261207-000001", "Broken", "ann@example.net", "support", IncidentStatus.New, null, null, null, null, [], [], T0, T0);
        await store.Create("acme", incident with { Reference = "261207-000002" }, [new NewEntry(EntryAuthor.Customer, "bo@example.net", "Hello", T0, "<b@example.net>", "key-b", [], null, "Hello")]);
        await using (var connection = await database.OpenAsync())
        {
            // The incident row the old entry belongs to (its table came from the create scripts).
            await using var insert = TechmailDatabase.Command(
                connection,
                "INSERT INTO techmail_incidents (tenant, reference, subject, contact, mailbox, status, tags, rules_fired, created_utc, updated_utc) VALUES ('acme', '261207-000001', 'Broken', 'ann@example.net', 'support', 'New', '[]', '[]', @t, @t)",
                ("@t", T0.UtcDateTime));
            await insert.ExecuteNonQueryAsync();
        }

        var reply = new NewEntry(EntryAuthor.Customer, "ann@example.net", "Works now.\n\n> Try once more.", T0.AddHours(1), "<c@example.net>", "key-2", [], null, "Works now.");
        Assert.Equal((2, true), await store.Append("acme", "261207-000001", reply, IncidentStatus.Updated));

        var thread = await store.Thread("acme", "261207-000001");
        Assert.Equal(oldBody, thread[0].Body);
        Assert.Null(thread[0].ReplyText);
        Assert.Equal(("Works now.\n\n> Try once more.", "Works now."), (thread[1].Body, thread[1].ReplyText));
        Assert.Equal("Hello", Assert.Single(await store.Thread("acme", "261207-000002")).ReplyText);
    }
}

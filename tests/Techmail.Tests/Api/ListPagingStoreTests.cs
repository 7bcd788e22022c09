using System.Text;
using Techmail.Audit;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Contacts;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Paging;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Api;

/// <summary>
/// The keyset reads behind the API's paged lists, on both real databases: walking a list two rows at a time, with a
/// row added between every two pages, yields exactly the rows the list held at the start, each once and in its order,
/// also where many rows share one time (the key breaks the tie) and where the rows fill the last page exactly.
/// </summary>
public sealed class ListPagingStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_walks_every_list_once_in_order_while_rows_are_added() => await EveryList(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_walks_every_list_once_in_order_while_rows_are_added() => await EveryList(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_upgrade_drops_the_indexes_the_keyset_ones_replace() =>
        await UpgradeDropsOldIndexes(await _databases.Sqlite(), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = @name",
            ("techmail_message_trace_time", "techmail_message_trace (tenant, mailbox, recorded_utc)", "techmail_message_trace_page"),
            ("techmail_quarantine_mailbox", "techmail_quarantine (tenant, mailbox, created_utc)", "techmail_quarantine_mailbox_page"),
            ("techmail_bounces_time", "techmail_bounces (tenant, received_utc)", "techmail_bounces_page"));

    [Fact]
    public async Task Postgres_upgrade_drops_the_indexes_the_keyset_ones_replace() =>
        await UpgradeDropsOldIndexes(await ScratchDatabases.Postgres(), "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = @name",
            ("techmail_message_trace_time", "techmail_message_trace (tenant, mailbox, recorded_utc)", "techmail_message_trace_page"),
            ("techmail_quarantine_mailbox", "techmail_quarantine (tenant, mailbox, created_utc)", "techmail_quarantine_mailbox_page"),
            ("techmail_bounces_time", "techmail_bounces (tenant, received_utc)", "techmail_bounces_page"),
            ("techmail_audit_tenant", "techmail_audit (tenant, at_utc)", "techmail_audit_tenant_page"),
            ("techmail_audit_time", "techmail_audit (at_utc)", "techmail_audit_time_page"));

    public void Dispose() => _databases.Dispose();

    /// <summary>
    /// A database of the version before: the old indexes beside the tables. The create scripts (run at every start) add
    /// the keyset indexes; the upgrade step is due and drops the old ones, and then is due no more.
    /// </summary>
    private static async Task UpgradeDropsOldIndexes(TechmailDatabase database, string exists, params (string Old, string On, string New)[] indexes)
    {
        await using (var connection = await database.OpenAsync())
        {
            foreach (var (old, on, _) in indexes)
            {
                await using var create = TechmailDatabase.Command(connection, $"CREATE INDEX {old} ON {on}");
                await create.ExecuteNonQueryAsync();
            }

            Assert.Contains("011-paging-keyset-indexes.sql", await SchemaInstaller.PendingUpgrades(connection, database.Kind));
        }

        await SchemaInstaller.Apply(database);
        await using var after = await database.OpenAsync();
        Assert.DoesNotContain("011-paging-keyset-indexes.sql", await SchemaInstaller.PendingUpgrades(after, database.Kind));
        foreach (var (old, _, replacement) in indexes)
        {
            async Task<long> Count(string name)
            {
                await using var probe = TechmailDatabase.Command(after, exists, ("@name", name));
                return Convert.ToInt64(await probe.ExecuteScalarAsync());
            }

            Assert.Equal(0, await Count(old));
            Assert.Equal(1, await Count(replacement));
        }
    }

    private static async Task EveryList(TechmailDatabase database)
    {
        await Audit(database);
        await Trace(database);
        await Quarantine(database);
        await Bounces(database);
        await Addresses(database);
        await Outbox(database);
    }

    private static async Task Audit(TechmailDatabase database)
    {
        var store = new AuditStore(database);
        // Three at one instant (to the tick) and the rest a second apart: the id orders the tie.
        var added = 0;
        Task Add(DateTimeOffset at) => store.Add(at, "paging", "admin", AuditActions.MailboxUpdate, $"box{added++}", null, null);
        for (var i = 0; i < 3; i++) await Add(Start.AddTicks(1234567));
        for (var i = 0; i < 5; i++) await Add(Start.AddSeconds(i));
        await store.Add(Start, "other-tenant", "admin", AuditActions.MailboxUpdate, "x", null, null);

        await WalksAsAtStart(
            (take, after) => store.List(new AuditQuery("paging", null, take, after)),
            () => Add(Start.AddHours(1)),
            e => e.Id);
    }

    private static async Task Trace(TechmailDatabase database)
    {
        var ledger = new MessageLedger(database);
        var added = 0;
        Task Add(DateTimeOffset at) => ledger.Record("paging", "box", [
            new TraceEntry($"key-{added++:D3}", "1", null, "a@example.com", "s", 10, TraceVerdict.Accepted, null, at)]);
        for (var i = 0; i < 4; i++) await Add(Start);
        for (var i = 0; i < 3; i++) await Add(Start.AddMinutes(i + 1).AddTicks(7));

        await WalksAsAtStart((take, after) => ledger.Newest("paging", "box", take, after), () => Add(Start.AddHours(1)), t => t.MessageKey);
    }

    private static async Task Quarantine(TechmailDatabase database)
    {
        var clock = new ManualClock(Start);
        var store = new QuarantineStore(database, clock);
        var added = 0;
        Task Add() => store.Hold("paging", "box", $"key-{added++}", "1", null, "s", "Subject: s\r\n\r\nx\r\n"u8.ToArray(), MailStage.Intake, "unreadable");
        for (var i = 0; i < 4; i++) await Add();
        clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 3; i++) await Add();

        await WalksAsAtStart(
            (take, after) => store.List("paging", null, false, take, after),
            () =>
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                return Add();
            },
            m => m.Id);
        await WalksAsAtStart((take, after) => store.List("paging", "box", true, take, after), () => Add(), m => m.Id);
    }

    private static async Task Bounces(TechmailDatabase database)
    {
        // A report names several recipients: rows of one message share its key and time, the address orders them.
        var added = 0;
        async Task Add(DateTimeOffset received, params string[] addresses)
        {
            var message = new InboundMessage("paging", "returns", MailboxType.Marketing, $"report-{added++}", "1", null, null, null, [1]);
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await BounceStore.Record(connection, transaction,
                [.. addresses.Select(a => new JudgedBounce(message, new BounceFinding(a, "userunknown", true, "5.1.1", "550", null), null, "test"))], received);
            await transaction.CommitAsync();
        }

        await Add(Start, "ann@example.net", "bob@example.net", "cat@example.net");
        await Add(Start, "dan@example.net", "eve@example.net");
        await Add(Start.AddSeconds(1), "fay@example.net");
        var store = new BounceStore(database);

        await WalksAsAtStart(
            (take, after) => store.List("paging", new BounceQuery(Take: take, After: after)),
            () => Add(Start.AddHours(1), "new@example.net"),
            b => $"{b.MessageKey}/{b.Address}");
    }

    private static async Task Addresses(TechmailDatabase database)
    {
        var store = new AddressStore(database);
        Task Add(string address) => store.Upsert("paging", new AddressStatus(address, true, "userunknown", Start, false, []));
        foreach (var address in new[] { "b@example.net", "c@example.net", "d@example.net", "e@example.net", "f@example.net", "g@example.net" })
        {
            await Add(address);
        }

        await store.Upsert("paging", AddressStatus.Unknown("valid@example.net"));
        // Added before the first address: after any page's last, so never in the walk that started without it.
        var early = 'a';
        await WalksAsAtStart((take, after) => store.Unmailable("paging", take, after?.Key), () => Add($"a{early++}@example.net"), a => a.Address);
    }

    private static async Task Outbox(TechmailDatabase database)
    {
        var store = new OutboxStore(database, new ManualClock(Start));
        var added = 0;
        Task Add() => store.Enqueue(new QueuedMail("paging", "box", $"dedupe-{added}", null, "box@example.com", [$"to{added++}@example.net"],
            Encoding.ASCII.GetBytes("Subject: s\r\n\r\nx\r\n")));
        for (var i = 0; i < 6; i++) await Add();

        await WalksAsAtStart((take, after) => store.List("paging", null, null, take, after?.Id), Add, e => e.Id);
    }

    /// <summary>
    /// Reads the whole list in one page, then walks it two rows a page, adding a row after every page: the walk holds
    /// exactly the first read's rows in its order; and read again, the list has every added row too.
    /// </summary>
    private static async Task WalksAsAtStart<T, TKey>(
        Func<int, ListPosition?, Task<ListPage<T>>> read, Func<Task> addBetweenPages, Func<T, TKey> key)
    {
        var atStart = await read(1000, null);
        Assert.Null(atStart.Next);
        Assert.True(atStart.Count >= 6, $"the scenario has {atStart.Count} rows");

        var walked = new List<T>();
        var pages = 0;
        ListPosition? after = null;
        do
        {
            var page = await read(2, after);
            Assert.InRange(page.Count, 1, 2);
            walked.AddRange(page);
            after = page.Next;
            pages++;
            await addBetweenPages();
        }
        while (after is not null);

        Assert.Equal(atStart.Select(key), walked.Select(key));
        // Rows fill the last page exactly when the count is even: it still says it is the last, asking for nothing more.
        Assert.Equal((atStart.Count + 1) / 2, pages);
        Assert.Equal(atStart.Count + pages, (await read(1000, null)).Count);
    }
}

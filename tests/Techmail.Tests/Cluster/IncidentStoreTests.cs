using System.Security.Cryptography;
using Techmail.Incidents;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>Incidents, threads and attachments on both real databases.</summary>
public sealed class IncidentStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_keeps_threads_and_attachments_and_never_stores_a_mail_twice() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_keeps_threads_and_attachments_and_never_stores_a_mail_twice() => await Scenario(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_finds_earlier_copies_of_customer_mail_by_id_sender_and_mailbox_but_not_a_mails_own_entry() => await Copies(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_finds_earlier_copies_of_customer_mail_by_id_sender_and_mailbox_but_not_a_mails_own_entry() => await Copies(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    /// <summary>What the duplicate check of the incident builder asks: mail of this mailbox already in an incident.</summary>
    private static async Task Copies(TechmailDatabase database)
    {
        var store = new IncidentStore(database);
        var incident = new IncidentSummary("261207-000001", "Order missing", "ann@example.net", "support", IncidentStatus.New,
            null, null, null, null, [], [], T0, T0);
        await store.Create("acme", incident, Mail("key-1", "Where is my order?"));
        await store.Create("acme", incident with { Reference = "261207-000002", Mailbox = "sales" }, Mail("key-9", "Same id, other mailbox") with { MessageId = "<key-5@example.net>" });

        var found = await store.CustomerMail("acme", "support", ["<key-1@example.net>", "<key-5@example.net>"], [], T0.AddDays(-7));
        Assert.Equal("261207-000001", Assert.Single(found, f => f.Key == ("<key-1@example.net>", "ann@example.net")).Value);
        Assert.Single(found);
        // A batch built again after a crash: its own mail's entry is not an earlier copy of it.
        Assert.Empty(await store.CustomerMail("acme", "support", ["<key-1@example.net>"], ["key-1"], T0.AddDays(-7)));
        // Outside the window, or from another tenant, nothing.
        Assert.Empty(await store.CustomerMail("acme", "support", ["<key-1@example.net>"], [], T0.AddMinutes(1)));
        Assert.Empty(await store.CustomerMail("other", "support", ["<key-1@example.net>"], [], T0.AddDays(-7)));
    }

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new IncidentStore(database);
        var pdf = RandomNumberGenerator.GetBytes(70_000);
        var incident = new IncidentSummary("261127-000001", "Printer on fire", "ann@example.net", "support", IncidentStatus.New,
            "hardware", "high", null, null, ["urgent", "printer"], ["route-hardware"], T0, T0);
        var first = Mail("key-1", "My printer is on fire.", new NewAttachment("report.pdf", "application/pdf", Hash(pdf), false, null, pdf));

        Assert.Equal(("261127-000001", true), await store.Create("acme", incident, first));
        // The same mail again (a retried hand-off), even under another reference: the first incident answers.
        Assert.Equal(("261127-000001", false), await store.Create("acme", incident with { Reference = "261127-000002" }, first));
        Assert.Null(await store.Get("acme", "261127-000002"));

        Assert.Equal((2, true), await store.Append("acme", "261127-000001", Mail("key-2", "Still burning.") with { Created = T0.AddMinutes(5) }, IncidentStatus.Updated));
        Assert.Equal((2, false), await store.Append("acme", "261127-000001", Mail("key-2", "Still burning."), IncidentStatus.Updated));
        var reply = new NewEntry(EntryAuthor.Agent, "agent@acme.example", "Unplug it.", T0.AddMinutes(7), "<tm.1@acme.example>", null, []);
        Assert.Equal((3, true), await store.Append("acme", "261127-000001", reply, IncidentStatus.Waiting));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.Append("acme", "261127-000999", Mail("key-3", "lost"), IncidentStatus.Updated));

        var stored = await store.Get("acme", "261127-000001");
        Assert.NotNull(stored);
        Assert.Equal(IncidentStatus.Waiting, stored.Status);
        Assert.Equal(T0.AddMinutes(7), stored.Updated);
        Assert.Equal(["urgent", "printer"], stored.Tags);
        Assert.Equal(["route-hardware"], stored.RulesFired);
        Assert.Equal(("hardware", "high"), (stored.Queue, stored.Priority));

        var thread = await store.Thread("acme", "261127-000001");
        Assert.Equal([1, 2, 3], thread.Select(e => e.Sequence));
        Assert.Equal([EntryAuthor.Customer, EntryAuthor.Customer, EntryAuthor.Agent], thread.Select(e => e.Author));
        Assert.Equal("My printer is on fire.", thread[0].Body);
        var attachment = Assert.Single(thread[0].Attachments);
        Assert.Equal(("report.pdf", "application/pdf", 70_000L, Hash(pdf)), (attachment.FileName, attachment.ContentType, attachment.Size, attachment.Sha256));
        Assert.Equal(pdf, await store.AttachmentContent("acme", "261127-000001", 1, 0));
        Assert.Null(await store.AttachmentContent("acme", "261127-000001", 1, 1));

        // Tenants are apart: the same message key elsewhere is a different mail.
        Assert.Equal(("261127-000001", true), await store.Create("other", incident, first));
        Assert.Equal("261127-000001", await store.ReferenceOf("acme", "key-2"));
    }

    private static NewEntry Mail(string key, string body, params NewAttachment[] attachments) =>
        new(EntryAuthor.Customer, "ann@example.net", body, T0, $"<{key}@example.net>", key, attachments);

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

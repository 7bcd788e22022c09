using Techmail.Contacts;
using Techmail.Incidents;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>Incident lists, field updates and contacts on both real databases.</summary>
public sealed class IncidentListStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_lists_newest_first_with_filters_and_pages() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_lists_newest_first_with_filters_and_pages() => await Scenario(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new IncidentStore(database);
        var list = new IncidentListStore(database);
        for (var i = 1; i <= 25; i++)
        {
            var reference = $"261127-{i:000000}";
            var incident = new IncidentSummary(reference, i % 5 == 0 ? $"Refund_{i} 100%" : $"Question {i}", i % 2 == 0 ? "ann@example.net" : "bob@example.net",
                i <= 10 ? "sales" : "support", IncidentStatus.New, null, null, null, null, [], [], T0.AddMinutes(i), T0.AddMinutes(i));
            await store.Create("acme", incident, new NewEntry(EntryAuthor.Customer, incident.Contact, "body", incident.Created, $"<m{i}@x>", $"key-{i}", []));
        }

        await store.Create("other", new IncidentSummary("261127-000099", "Not ours", "ann@example.net", "sales", IncidentStatus.New, null, null, null, null, [], [], T0, T0),
            new NewEntry(EntryAuthor.Customer, "ann@example.net", "x", T0, null, "other-key", []));

        var first = await list.List(new IncidentQuery("acme", Take: 10));
        Assert.Equal(Enumerable.Range(16, 10).Reverse().Select(i => $"261127-{i:000000}"), first.Incidents.Select(i => i.Reference));
        Assert.Equal("261127-000016", first.Next);
        var last = await list.List(new IncidentQuery("acme", Take: 10, Before: "261127-000006"));
        Assert.Equal(5, last.Incidents.Count);
        Assert.Null(last.Next);

        Assert.Equal(10, (await list.List(new IncidentQuery("acme", Mailbox: "sales"))).Incidents.Count);
        Assert.Equal(12, (await list.List(new IncidentQuery("acme", Contact: "ANN@example.net"))).Incidents.Count);
        // LIKE's wildcards in the search text are matched literally, and case does not matter.
        Assert.Equal(5, (await list.List(new IncidentQuery("acme", Text: "REFUND_"))).Incidents.Count);
        Assert.Equal(5, (await list.List(new IncidentQuery("acme", Text: "100%"))).Incidents.Count);
        Assert.Empty((await list.List(new IncidentQuery("acme", Text: "refund%x"))).Incidents);

        var updated = await store.Update("acme", "261127-000003", new IncidentChanges(IncidentStatus.Solved, Queue: "billing"), ["vip", "VIP"], ["rule-a"], T0.AddHours(1));
        Assert.Equal((IncidentStatus.Solved, "billing"), (updated!.Status, updated.Queue));
        Assert.Equal(["vip"], updated.Tags);
        Assert.Equivalent(updated, await store.Get("acme", "261127-000003"), strict: true);
        Assert.Equal(["261127-000003"], (await list.List(new IncidentQuery("acme", Status: IncidentStatus.Solved))).Incidents.Select(i => i.Reference));
        Assert.Null(await store.Update("acme", "261127-000777", new IncidentChanges(IncidentStatus.Solved), [], [], T0));

        // An empty field clears it to no value at all (what "unassigned" looks for); a field not given stays.
        await store.Update("acme", "261127-000003", new IncidentChanges(Assignee: "sam", Priority: "high"), [], [], T0.AddHours(2));
        var cleared = await store.Update("acme", "261127-000003", new IncidentChanges(Queue: "", Assignee: " "), [], [], T0.AddHours(3));
        Assert.Equal((null, null, "high"), (cleared!.Queue, cleared.Assignee, cleared.Priority));
        Assert.Equivalent(cleared, await store.Get("acme", "261127-000003"), strict: true);
        Assert.Equal(["261127-000003"], (await list.List(new IncidentQuery("acme", Status: IncidentStatus.Solved, Assignee: ""))).Incidents.Select(i => i.Reference));

        Assert.Equal("261127-000004", await store.ReferenceOfMessageIds("acme", ["<nope@x>", "<m4@x>"]));
        Assert.Null(await store.ReferenceOfMessageIds("acme", ["<nope@x>"]));

        var contacts = new ContactStore(database);
        Assert.Null(await contacts.Get("acme", "ann@example.net"));
        await contacts.Save("acme", new ContactView("ann@example.net", null, T0), T0);
        await contacts.Save("acme", new ContactView("ann@example.net", "Ann", T0.AddDays(1)), T0.AddDays(1));
        await contacts.Save("acme", new ContactView("ann@example.net", "Someone Else", T0.AddDays(2)), T0.AddDays(2));
        Assert.Equal(new ContactView("ann@example.net", "Ann", T0), await contacts.Get("acme", "ann@example.net"));
    }
}

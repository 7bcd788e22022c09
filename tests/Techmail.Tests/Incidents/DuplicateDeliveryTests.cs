using System.Text;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Tests.Polling;

namespace Techmail.Tests.Incidents;

/// <summary>
/// The same mail delivered twice to one mailbox (a customer writing to two addresses that land in it, a server
/// delivering again), through a real Dovecot and SMTP server on both databases: one incident, one acknowledgement.
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteDuplicateDeliveryTests(SqlitePollingFixture fixture) : DuplicateDeliveryTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresDuplicateDeliveryTests(PostgresPollingFixture fixture) : DuplicateDeliveryTests(fixture);

public abstract class DuplicateDeliveryTests(PollingFixture fixture)
{
    private const string Tenant = "poll";

    [Fact]
    public async Task A_second_copy_of_a_mail_is_traced_as_a_duplicate_in_the_same_batch_and_in_a_later_poll()
    {
        const string Name = "dup-copies";
        var (user, password) = fixture.NewUser();
        var mailbox = await fixture.Mailbox(Name, fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() });
        var id = $"<{Guid.NewGuid():N}@dup-customer.example>";

        // Sent to sales@ and support@, both delivered here: the copies differ in their Received and To lines.
        fixture.Dovecot.Deliver(user, Mail("ann@dup-customer.example", id, "to: support@example.com"));
        fixture.Dovecot.Deliver(user, Mail("ann@dup-customer.example", id, "to: sales@example.com"));
        var incidents = await PollAndBuild(mailbox, Name);
        var incident = Assert.Single(incidents);

        // The server delivers the first copy once more, days later; and someone else's mail happens to reuse the id.
        fixture.Dovecot.Deliver(user, Mail("ann@dup-customer.example", id, "to: support@example.com"));
        fixture.Dovecot.Deliver(user, Mail("bob@dup-customer.example", id, "to: support@example.com"));
        incidents = await PollAndBuild(mailbox, Name);

        Assert.Equal(2, incidents.Count);
        Assert.Single(incidents, i => i.Contact == "bob@dup-customer.example");
        var trace = await mailbox.GetTrace(20);
        var duplicates = trace.Where(t => t.Verdict == TraceVerdict.Duplicate).ToList();
        Assert.Equal(2, duplicates.Count);
        Assert.All(duplicates, d => Assert.Contains($"already in incident {incident.Reference}", d.Reason));
        Assert.Equal(0, fixture.Dovecot.CountMessages(user));
        Assert.Equal(0, await fixture.Scalar(
            "SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'poll' AND mailbox = @m AND state IN ('pending', 'released')", ("@m", Name)));
        var thread = (await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, incident.Reference)).Get())!.Thread;
        Assert.Single(thread, e => e.Author == EntryAuthor.Customer);

        // One acknowledgement to Ann, one to Bob.
        await fixture.Smtp.WaitFor(m => m.Recipients.Contains("bob@dup-customer.example"), TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        Assert.Single(fixture.Smtp.Messages, m => m.Recipients.Contains("ann@dup-customer.example"));
    }

    private async Task<IReadOnlyList<IncidentSummary>> PollAndBuild(IMailboxGrain mailbox, string name)
    {
        await PollingFixture.PollAndWait(mailbox);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, name)).Drain();
        return (await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(Tenant, Mailbox: name, Take: 100))).Incidents;
    }

    private static byte[] Mail(string from, string messageId, string receivedFor) => Encoding.ASCII.GetBytes(
        $"Received: from mx.dup-customer.example by mail.example.com; {receivedFor}; {DateTimeOffset.UtcNow:R}\r\n"
        + $"From: Customer <{from}>\r\nTo: support@example.com, sales@example.com\r\nSubject: Order 1234 missing\r\n"
        + $"Message-ID: {messageId}\r\nDate: Mon, 07 Dec 2026 08:00:00 +0000\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nMy order 1234 has not arrived.\r\n");
}

using System.Text;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Quarantine;
using Techmail.Storage;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Incidents;

/// <summary>
/// Hostile mail among good mail, through a real Dovecot into incidents on both databases: what one mail makes throw sets
/// that mail aside, once, and every other mail of its batch becomes its incident.
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteBadMailIsolationTests(SqlitePollingFixture fixture) : BadMailIsolationTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresBadMailIsolationTests(PostgresPollingFixture fixture) : BadMailIsolationTests(fixture);

public abstract class BadMailIsolationTests(PollingFixture fixture)
{
    private const string Tenant = "poll";

    [Fact]
    public async Task A_sender_address_with_NUL_bytes_becomes_an_incident_without_an_acknowledgement_and_stalls_nothing()
    {
        const string Name = "bad-nul-from";
        var (mailbox, user) = await ServiceMailbox(Name);
        for (var i = 0; i < 4; i++)
        {
            fixture.Dovecot.Deliver(user, Good($"good{i}@nul-customer.example", $"Good mail {i}"));
        }

        // As a fuzzer sent it: the reader finds "4@fuz" there, which no relay can deliver to.
        fixture.Dovecot.Deliver(user, Encoding.Latin1.GetBytes(
            "From: Broken Sender 24 <bad\0 4@fuz\0.e\0ample>\r\nTo: support@example.com\r\nSubject: Broken \0 sender\r\n"
            + "Message-ID: <nul-24@fuzz.example>\r\nDate: Mon, 7 Dec 2026 08:00:00 +0000\r\n\r\nMy printer\0 is broken.\r\n"));

        var incidents = await PollAndBuild(mailbox, Name);

        Assert.Equal(5, incidents.Count);
        Assert.Equal(0, fixture.Dovecot.CountMessages(user));
        var broken = Assert.Single(incidents, i => i.Subject.StartsWith("Broken", StringComparison.Ordinal));
        var thread = (await Incident(broken.Reference)).Thread;
        Assert.Contains(thread, e => e.Body.StartsWith("No acknowledgement sent: the sender's address", StringComparison.Ordinal));
        Assert.Empty(await Quarantined(Name));
        Assert.Equal(0, await Waiting(Name));
        for (var i = 0; i < 4; i++)
        {
            await fixture.Smtp.WaitFor(m => m.Recipients.Contains($"good{i}@nul-customer.example"), TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public async Task A_mail_the_database_refuses_is_set_aside_once_by_the_builder_and_the_rest_of_its_batch_becomes_incidents()
    {
        const string Name = "bad-long-id";
        var (mailbox, user) = await ServiceMailbox(Name);
        for (var i = 0; i < 3; i++)
        {
            fixture.Dovecot.Deliver(user, Good($"before{i}@long-customer.example", $"Before {i}"));
        }

        // A sender address thousands of characters long. PostgreSQL refuses it in the contacts' index (an index row
        // holds at most about 2.7 KB), which fails what the builder writes for it; SQLite takes it.
        var local = new string([.. Enumerable.Range(0, 9_000).Select(_ => (char)('a' + Random.Shared.Next(26)))]);
        fixture.Dovecot.Deliver(user, Good($"{local}@long-customer.example", "The long one"));
        for (var i = 0; i < 3; i++)
        {
            fixture.Dovecot.Deliver(user, Good($"after{i}@long-customer.example", $"After {i}"));
        }

        var incidents = await PollAndBuild(mailbox, Name);
        var builder = fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, Name));
        await builder.Drain();
        await builder.Drain();

        Assert.Equal(0, fixture.Dovecot.CountMessages(user));
        Assert.Equal(0, await Waiting(Name));
        Assert.Equal(6, incidents.Count(i => i.Subject.StartsWith("Before", StringComparison.Ordinal) || i.Subject.StartsWith("After", StringComparison.Ordinal)));
        var quarantined = await Quarantined(Name);
        if (fixture.Options.Storage == StorageKind.PostgreSql)
        {
            Assert.DoesNotContain(incidents, i => i.Subject == "The long one");
            var aside = Assert.Single(quarantined);
            Assert.Equal(MailStage.IncidentBuilder, aside.Stage);
            Assert.StartsWith(local[..100], aside.From);
            Assert.StartsWith("could not be turned into an incident: ", aside.Reason);
            Assert.Equal(1, await fixture.Scalar(
                "SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'poll' AND mailbox = @m AND state = 'quarantined'", ("@m", Name)));
        }
        else
        {
            Assert.Single(incidents, i => i.Subject == "The long one");
            Assert.Empty(quarantined);
        }

        Assert.Equal(7, await fixture.Scalar("SELECT COUNT(*) FROM techmail_message_trace WHERE tenant = 'poll' AND mailbox = @m", ("@m", Name)));
    }

    private async Task<(IMailboxGrain Mailbox, string User)> ServiceMailbox(string name)
    {
        var (user, password) = fixture.NewUser();
        var mailbox = await fixture.Mailbox(name, fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() });
        return (mailbox, user);
    }

    private async Task<IReadOnlyList<IncidentSummary>> PollAndBuild(IMailboxGrain mailbox, string name)
    {
        await PollingFixture.PollAndWait(mailbox);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, name)).Drain();
        return (await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(Tenant, Mailbox: name, Take: 1000))).Incidents;
    }

    private async Task<IncidentDetails> Incident(string reference) =>
        await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference)).Get() ?? throw new InvalidOperationException($"no incident {reference}");

    private async Task<IReadOnlyList<QuarantinedMessage>> Quarantined(string mailbox) =>
        await fixture.Client.GetGrain<IQuarantineGrain>(Tenant).List(mailbox, true, 100);

    private Task<long> Waiting(string mailbox) =>
        fixture.Scalar("SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'poll' AND mailbox = @m AND state IN ('pending', 'released')", ("@m", mailbox));

    /// <summary>Plain customer mail, written out by hand so a test can give it an address no library would write.</summary>
    private static byte[] Good(string address, string subject) => Encoding.ASCII.GetBytes(
        $"From: Customer <{address}>\r\nTo: support@example.com\r\nSubject: {subject}\r\n"
        + $"Message-ID: <{Guid.NewGuid():N}@customer.example>\r\nDate: {DateTimeOffset.UtcNow:R}\r\n"
        + $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{subject}: please help.\r\n");
}

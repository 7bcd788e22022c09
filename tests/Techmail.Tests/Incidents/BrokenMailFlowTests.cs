using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Quarantine;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Incidents;

/// <summary>
/// Broken mail from the long-tail corpus through a real Dovecot into incidents, on both databases: what the reader
/// makes of it is what the incident gets, and nothing is quarantined for being broken in these ways.
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteBrokenMailFlowTests(SqlitePollingFixture fixture) : BrokenMailFlowTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresBrokenMailFlowTests(PostgresPollingFixture fixture) : BrokenMailFlowTests(fixture);

public abstract class BrokenMailFlowTests(PollingFixture fixture)
{
    private const string Tenant = "poll";
    private static readonly string LongTail = Path.Combine(RepoPaths.Root, "tests", "fixtures", "messages", "long-tail");

    [Fact]
    public async Task Banner_daemon_empty_from_charset_and_uuencoded_mail_become_incidents()
    {
        var (user, password) = fixture.NewUser();
        var mailbox = await fixture.Mailbox("broken-mail", fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() });
        foreach (var file in new[]
        {
            "01-banner-before-return-path.eml", "06-mailer-daemon-comment.eml", "10-empty-angle-from-reply-to.eml",
            "14-gb2312-labelled-latin1.eml", "29-uuencoded-in-plain-body.eml",
        })
        {
            fixture.Dovecot.Deliver(user, File.ReadAllBytes(Path.Combine(LongTail, file)));
        }

        await PollingFixture.PollAndWait(mailbox);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, "broken-mail")).Drain();
        var incidents = (await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(Tenant, Mailbox: "broken-mail", Take: 100))).Incidents;

        Assert.Empty(await fixture.Client.GetGrain<IQuarantineGrain>(Tenant).List("broken-mail", false, 10));
        var byContact = incidents.ToDictionary(i => i.Contact);
        Assert.Equal(
            ["accounting@coop.example", "anna.svensson@outlook.example", "karin.lind@telia.example", "mailer-daemon", "wang.fang@sina.example"],
            byContact.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Undelivered Mail Returned to Sender", byContact["mailer-daemon"].Subject);
        Assert.Equal("订单未发货的问题", byContact["wang.fang@sina.example"].Subject);

        var uuencoded = await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, byContact["accounting@coop.example"].Reference)).Get();
        var entry = uuencoded!.Thread[0];
        Assert.Equal("statement.csv", Assert.Single(entry.Attachments).FileName);
        Assert.DoesNotContain("begin 644", entry.Body, StringComparison.Ordinal);
    }
}

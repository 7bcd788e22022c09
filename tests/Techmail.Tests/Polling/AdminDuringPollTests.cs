using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Quarantine;
using Techmail.Tenants;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// An admin changing or removing a mailbox while it polls a slow server: every admin call succeeds, the poll's outcome
/// lands on the state as the admin left it, a removed mailbox stays removed, and no mail it took is lost or left unseen.
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteAdminDuringPollTests(SqlitePollingFixture fixture) : AdminDuringPollTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresAdminDuringPollTests(PostgresPollingFixture fixture) : AdminDuringPollTests(fixture);

public abstract class AdminDuringPollTests(PollingFixture fixture)
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Fact]
    public async Task Updates_and_disable_enable_racing_polls_all_succeed_and_lose_no_mail()
    {
        const int Rounds = 8, PerRound = 10;
        var (user, password) = fixture.NewUser();
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        proxy.AddLatency(TimeSpan.FromMilliseconds(10));
        var grain = await fixture.Mailbox("race-update", fixture.Pop3(user, password, proxy.Port));
        var settings = (await grain.Export(false))!;
        var changes = 0;

        for (var round = 0; round < Rounds; round++)
        {
            for (var i = 0; i < PerRound; i++)
            {
                Dovecot.Deliver(user, TestMail.Simple($"round {round} mail {i}", from: $"customer{round}.{i}@example.net"));
            }

            var before = await grain.GetStatus();
            await grain.PollNow();
            // Change the mailbox over and over while the poll runs, and just after it ends: its end, and the write of
            // its outcome, falls among the admin's writes.
            var after = 0;
            while (after < 3)
            {
                if (round % 2 == 0)
                {
                    settings = settings with { DiscardFilters = [new DiscardFilter($"change {changes}", FilterField.Subject, FilterMatch.Contains, "[SPAM]")] };
                    await grain.Update(settings);
                }
                else
                {
                    await grain.SetEnabled(false);
                    await grain.SetEnabled(true);
                }

                changes++;
                if ((await grain.GetStatus()).FinishedPollSince(before))
                {
                    after++;
                }
            }
        }

        var status = await grain.GetStatus();
        while (status.State is PollState.Polling or PollState.Waiting)
        {
            await Task.Delay(50);
            status = await grain.GetStatus();
        }

        Assert.Null(status.LastError);
        Assert.Equal(Rounds * PerRound, status.Counts.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(Rounds * PerRound, await fixture.Inbound("race-update"));
        var view = (await grain.Get())!;
        Assert.True(view.Settings.Enabled);
        Assert.Equal(settings.DiscardFilters.Single().Name, view.Settings.DiscardFilters.Single().Name);

        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For("poll", "race-update")).Drain();
        var incidents = await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery("poll", Mailbox: "race-update", Take: 1000));
        Assert.Equal(Rounds * PerRound, incidents.Incidents.Count);
    }

    [Fact]
    public async Task A_remove_racing_a_poll_stops_it_resurrects_nothing_and_sets_aside_what_it_took_with_the_reason()
    {
        const int Delivered = 200;
        var (user, password) = fixture.NewUser();
        for (var i = 0; i < Delivered; i++)
        {
            Dovecot.Deliver(user, TestMail.Simple($"mail {i}", from: $"customer{i}@example.net"));
        }

        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        proxy.AddLatency(TimeSpan.FromMilliseconds(20));
        var grain = await fixture.Mailbox("race-remove", fixture.Pop3(user, password, proxy.Port));
        await grain.PollNow();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await fixture.Inbound("race-remove") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the poll handed nothing off");
            await Task.Delay(20);
        }

        Assert.True(await grain.Remove());

        // Gone, and still gone once the poll has had every chance to write: a new activation reads what is stored.
        Assert.Null(await grain.Get());
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Null(await grain.Get());
        Assert.DoesNotContain((await fixture.Client.GetGrain<ITenantGrain>("poll").List(null, 1000)).Items, m => m.Name == "race-remove");
        var stillOnServer = Dovecot.CountMessages(user);
        var taken = await fixture.Inbound("race-remove");
        Assert.True(stillOnServer > 0, "the poll was not stopped by the removal");
        // Every message is on the server or recorded: none lost between the two.
        Assert.True(stillOnServer + taken >= Delivered, $"{stillOnServer} on the server and {taken} recorded of {Delivered}");

        // What the poll took became incidents while the mailbox existed, or is set aside where an admin sees it, with
        // the reason: none is left waiting unseen.
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For("poll", "race-remove")).Drain();
        var held = await fixture.Client.GetGrain<IQuarantineGrain>("poll").List("race-remove", false, 1000);
        var built = await fixture.Scalar("SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'poll' AND mailbox = 'race-remove' AND state = 'done'");
        Assert.Equal(taken, built + held.Count);
        Assert.All(held, q => Assert.Equal(RemovedReason("race-remove"), q.Reason));

        // Added again, the mailbox takes the rest off the server without doubling what it had taken.
        proxy.AddLatency(TimeSpan.Zero);
        var again = await fixture.Mailbox("race-remove", fixture.Pop3(user, password, proxy.Port));
        await PollingFixture.PollAndWait(again);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(Delivered, await fixture.Inbound("race-remove"));
    }

    [Fact]
    public async Task Mail_recorded_for_a_mailbox_removed_before_it_was_built_is_quarantined_with_the_reason_and_comes_back_by_reprocess()
    {
        var (user, password) = fixture.NewUser();
        var grain = await fixture.Mailbox("removed-first", fixture.Pop3(user, password));
        Assert.True(await grain.Remove());
        // A hand-off that lands after the removal, as one in flight when the admin removed the mailbox does.
        var raw = TestMail.Simple("late hand-off", from: "late@example.net");
        var key = Techmail.Polling.MessageKeys.For("uid-late", raw);
        await fixture.Client.GetGrain<IIncidentIntakeGrain>(0).Accept(
            [new Techmail.Polling.InboundMessage("poll", "removed-first", MailboxType.Service, key, "uid-late", null, "late@example.net", "late hand-off", raw)]);

        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For("poll", "removed-first")).Drain();

        var held = Assert.Single(await fixture.Client.GetGrain<IQuarantineGrain>("poll").List("removed-first", false, 10));
        Assert.Equal(RemovedReason("removed-first"), held.Reason);
        Assert.Equal("late hand-off", held.Subject);
        Assert.Equal(1, await fixture.Scalar("SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'poll' AND mailbox = 'removed-first' AND state = 'quarantined'"));

        await fixture.Mailbox("removed-first", fixture.Pop3(user, password));
        var outcome = await fixture.Client.GetGrain<IQuarantineGrain>("poll").Reprocess(held.Id);
        Assert.Equal(Techmail.Polling.TraceVerdict.Accepted, outcome.Verdict);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For("poll", "removed-first")).Drain();
        var incident = Assert.Single((await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery("poll", Mailbox: "removed-first", Take: 10))).Incidents);
        Assert.Equal("late hand-off", incident.Subject);
    }

    private static string RemovedReason(string mailbox) =>
        $"mailbox '{mailbox}' was removed before this mail became an incident; add the mailbox again and reprocess it, or drop it";
}

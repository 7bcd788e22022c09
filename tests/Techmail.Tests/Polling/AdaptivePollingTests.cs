using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

[Collection(PollingCollection.Name)]
public sealed class SqliteAdaptivePollingTests(SqlitePollingFixture fixture) : AdaptivePollingTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresAdaptivePollingTests(PostgresPollingFixture fixture) : AdaptivePollingTests(fixture);

/// <summary>Push through IMAP IDLE, and failing mailboxes backing off, against the real Dovecot.</summary>
public abstract class AdaptivePollingTests(PollingFixture fixture)
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Fact]
    public async Task Push_mode_takes_new_mail_within_seconds_without_waiting_for_the_interval()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("waiting before push started"));
        var imap = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", Dovecot.ImapPort, TlsMode.None, user, password, [], Push: true, AllowPlaintextPassword: true);
        // An hour between scheduled polls: anything taken within seconds came through push.
        var grain = await fixture.Mailbox("push", imap);

        await WaitFor(grain, s => s.Push?.StartsWith("listening", StringComparison.Ordinal) == true, "push listening");
        await WaitForInbound("push", 1);

        for (var round = 2; round <= 3; round++)
        {
            Dovecot.Deliver(user, TestMail.Simple($"arrived while listening {round}"));
            await WaitForInbound("push", round);
        }

        // Handed off first, deleted after: the server empties a moment later.
        await WaitFor(grain, s => s.State == PollState.Scheduled && Dovecot.CountMessages(user) == 0, "an empty server after the poll");
        var status = await grain.GetStatus();
        Assert.Null(status.LastError);
        Assert.Equal(3, status.Counts.Accepted);

        var settings = (await grain.Export(false))!;
        await grain.Update(settings with { Incoming = settings.Incoming! with { Push = false } });
        Assert.Null((await grain.GetStatus()).Push);
        Dovecot.Deliver(user, TestMail.Simple("push is off now"));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task Push_reconnects_after_the_server_goes_away_and_comes_back()
    {
        var (user, password) = fixture.NewUser();
        await using var proxy = FaultyProxy.Start(Dovecot.ImapPort);
        var imap = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", proxy.Port, TlsMode.None, user, password, [], Push: true, AllowPlaintextPassword: true);
        var grain = await fixture.Mailbox("pushcut", imap);
        await WaitFor(grain, s => s.Push?.StartsWith("listening", StringComparison.Ordinal) == true, "push listening");

        // The connection dies and new ones are refused for a while, as when a server restarts.
        proxy.RefuseConnections(true);
        proxy.ResetOpenConnections();
        await WaitFor(grain, s => s.Push?.StartsWith("reconnecting", StringComparison.Ordinal) == true, "push reconnecting");
        proxy.RefuseConnections(false);

        await WaitFor(grain, s => s.Push?.StartsWith("listening", StringComparison.Ordinal) == true, "push listening again", TimeSpan.FromSeconds(30));
        Dovecot.Deliver(user, TestMail.Simple("after the outage"));
        await WaitForInbound("pushcut", 1);
    }

    [Fact]
    public async Task Push_with_a_refused_password_stops_instead_of_logging_in_again_and_again_and_resumes_once_fixed()
    {
        var (user, password) = fixture.NewUser();
        var imap = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", Dovecot.ImapPort, TlsMode.None, user, "wrong", [], Push: true, AllowPlaintextPassword: true);
        var grain = await fixture.Mailbox("pushauth", imap);

        await WaitFor(grain, s => s.Push?.StartsWith("stopped", StringComparison.Ordinal) == true, "push stopped");
        Assert.Contains("authentication failed", (await grain.GetStatus()).Push);

        var settings = (await grain.Export(false))!;
        await grain.Update(settings with { Incoming = settings.Incoming! with { Password = password } });
        await WaitFor(grain, s => s.Push?.StartsWith("listening", StringComparison.Ordinal) == true, "push listening after the fix");
    }

    [Fact]
    public async Task A_mailbox_that_keeps_failing_backs_off_and_recovers_when_a_poll_succeeds()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("held up by an outage"));
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        var grain = await fixture.Mailbox("failing", fixture.Pop3(user, password, proxy.Port), s => s with { PollInterval = TimeSpan.FromMinutes(5) });
        proxy.RefuseConnections(true);

        // Two failures are taken as a blip: the next poll keeps its normal time.
        for (var i = 1; i <= 2; i++)
        {
            var blip = await PollingFixture.PollAndWait(grain);
            Assert.Equal(i, blip.ConsecutiveFailures);
            Assert.Null(blip.BackoffUntil);
        }

        var third = await PollingFixture.PollAndWait(grain);
        Assert.Equal(3, third.ConsecutiveFailures);
        Assert.NotNull(third.BackoffUntil);
        Assert.InRange(third.BackoffUntil!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        var fourth = await PollingFixture.PollAndWait(grain);
        Assert.InRange(fourth.BackoffUntil!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(20));

        proxy.RefuseConnections(false);
        await Task.Delay(1100);
        var recovered = await PollingFixture.PollAndWait(grain);
        Assert.Null(recovered.LastError);
        Assert.Equal(0, recovered.ConsecutiveFailures);
        Assert.Null(recovered.BackoffUntil);
        Assert.Equal(1, await fixture.Inbound("failing"));
    }

    private async Task WaitForInbound(string mailbox, long count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await fixture.Inbound(mailbox) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                var status = await fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", mailbox)).GetStatus();
                Assert.Fail($"{mailbox}: {await fixture.Inbound(mailbox)} of {count} messages taken within 20 s; push '{status.Push}', state {status.State}, last error '{status.LastError}'");
            }

            await Task.Delay(100);
        }
    }

    private static async Task WaitFor(IMailboxGrain grain, Func<MailboxStatus, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var status = await grain.GetStatus();
            if (condition(status))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no {what}: push is '{status.Push}', last error '{status.LastError}'");
            await Task.Delay(100);
        }
    }
}

using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// Tenants sharing one mail server: one tenant's failing mailbox, poisonous message or wrong password never opens a
/// breaker for another tenant's mailbox on that server (real Dovecot, through a proxy so every mailbox uses the same
/// host and port, on the silo).
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class TenantIsolationTests(SqlitePollingFixture fixture)
{
    [Fact]
    public async Task Another_tenants_failing_mailbox_and_wrong_password_open_no_breaker_for_a_mailbox_on_the_same_server()
    {
        var dovecot = fixture.Dovecot;
        await using var proxy = FaultyProxy.Start(dovecot.ImapPort);
        // A message that drops the session every time it comes down (as one crashing a server's process would): its
        // mailbox fails every poll, each retried, over and over.
        proxy.CutWhenServerSends("POISON-PILL");
        var (poisoned, poisonedPassword) = fixture.NewUser();
        dovecot.Deliver(poisoned, TestMail.Simple("POISON-PILL"));
        var (locked, _) = fixture.NewUser();
        var (quiet, quietPassword) = fixture.NewUser();

        var failing = await Mailbox("noisy", "poisoned", Imap(poisoned, poisonedPassword, proxy.Port));
        var refused = await Mailbox("noisy", "locked", Imap(locked, "not-the-password", proxy.Port));
        var healthy = await Mailbox("quiet", "support", Imap(quiet, quietPassword, proxy.Port));

        for (var round = 0; round < 3; round++)
        {
            var failed = await PollingFixture.PollAndWait(failing);
            Assert.NotNull(failed.LastError);
            Assert.Contains("authentication failed", (await PollingFixture.PollAndWait(refused)).LastError);

            dovecot.Deliver(quiet, TestMail.Simple($"quiet {round}"));
            var fine = await PollingFixture.PollAndWait(healthy);
            Assert.Null(fine.LastError);
            Assert.Equal(CircuitState.Closed, fine.Circuit);
            Assert.Equal(round + 1, fine.Counts.Accepted);
        }

        // The failing mailbox's own breaker is what opened; the poisonous message is still where it was.
        Assert.Equal(CircuitState.Open, (await failing.GetStatus()).Circuit);
        Assert.Equal(CircuitState.Closed, (await refused.GetStatus()).Circuit);
        Assert.Equal(1, dovecot.CountMessages(poisoned));
        Assert.Equal(0, dovecot.CountMessages(quiet));
    }

    private static IncomingSettings Imap(string user, string password, int port) =>
        new(MailProtocol.Imap, "127.0.0.1", port, TlsMode.None, user, password, [], AllowPlaintextPassword: true);

    private async Task<IMailboxGrain> Mailbox(string tenant, string name, IncomingSettings incoming)
    {
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For(tenant, name));
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with { Enabled = true, Incoming = incoming, PollInterval = TimeSpan.FromHours(1) });
        return grain;
    }
}

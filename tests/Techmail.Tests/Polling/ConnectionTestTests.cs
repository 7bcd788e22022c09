using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// The admin's "test the connection" (IMailboxGrain.TestConnection) against the real Dovecot and SMTP server: it logs in
/// and lists with the stored settings, takes and sends nothing, and says in a line what each server did.
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class ConnectionTestTests(SqlitePollingFixture fixture)
{
    [Fact]
    public async Task Both_servers_let_the_mailbox_in_and_the_mail_stays_on_the_server()
    {
        var (user, password) = fixture.NewUser();
        fixture.Dovecot.Deliver(user, TestMail.Simple("one"));
        fixture.Dovecot.Deliver(user, TestMail.Simple("two"));
        var grain = await fixture.Mailbox("conntest-ok", fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() });

        var result = await grain.TestConnection();

        Assert.True(result.Ok, string.Join("; ", result.Steps));
        Assert.Equal(
            [
                new ConnectionTestStep($"incoming pop3 127.0.0.1:{fixture.Dovecot.Pop3Port}", true, $"logged in as {user}; 2 messages waiting"),
                new ConnectionTestStep($"outgoing smtp 127.0.0.1:{fixture.Smtp.Port}", true, "connected; the relay takes mail without a login"),
            ],
            result.Steps);
        Assert.Equal(2, fixture.Dovecot.CountMessages(user));
        Assert.Empty(await grain.GetTrace(10));
    }

    [Fact]
    public async Task A_refused_login_and_a_relay_that_does_not_answer_are_each_said_in_a_line()
    {
        var (user, password) = fixture.NewUser();
        var closed = FreePort.Next();
        var grain = await fixture.Mailbox("conntest-bad", fixture.Pop3(user, password), s => s with
        {
            Outgoing = fixture.Relay() with { Relay = fixture.Relay().Relay! with { Port = closed } },
        });
        fixture.Dovecot.SetPassword(user, "changed-at-the-server");

        var result = await grain.TestConnection();

        Assert.False(result.Ok);
        var incoming = result.Steps[0];
        Assert.False(incoming.Ok);
        Assert.Contains("auth", incoming.Outcome, StringComparison.OrdinalIgnoreCase);
        var outgoing = result.Steps[1];
        Assert.False(outgoing.Ok);
        Assert.Contains($"127.0.0.1:{closed}", outgoing.What, StringComparison.Ordinal);
        Assert.Contains("refused", outgoing.Outcome, StringComparison.OrdinalIgnoreCase);
    }
}

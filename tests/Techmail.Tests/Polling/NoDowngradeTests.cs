using System.Text.RegularExpressions;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// <c>--tls auto</c> never falls back to plaintext (issue 17, item 10): against a real Dovecot and the real SMTP sink,
/// with a proxy that strips STARTTLS from what the server offers, as a man in the middle would.
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class NoDowngradeTests(SqlitePollingFixture fixture)
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Fact]
    public async Task Auto_on_a_plain_port_uses_starttls()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("over STARTTLS"));
        // No permission to log in without TLS: the login only works because auto took STARTTLS.
        var incoming = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", Dovecot.ImapPort, TlsMode.Auto, user, password, ["PLAIN"],
            new ServerTrust(null, Dovecot.CertificateSha256));
        var grain = await fixture.Mailbox("auto-starttls", incoming);

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    [Theory]
    [InlineData(MailProtocol.Imap)]
    [InlineData(MailProtocol.Pop3)]
    public async Task Starttls_stripped_on_the_way_makes_auto_fail_naming_the_fix_and_only_tls_none_talks_plaintext(MailProtocol protocol)
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("not over plaintext"));
        await using var proxy = FaultyProxy.Start(protocol == MailProtocol.Imap ? Dovecot.ImapPort : Dovecot.Pop3Port);
        proxy.RewriteServerLines(line => protocol == MailProtocol.Imap
            ? Regex.Replace(line, @" STARTTLS(?=[ \]\r])", "")
            : line == "STLS\r\n" ? "" : line);
        // Even with the password allowed on a connection without TLS, auto must not end up on one.
        var incoming = new IncomingSettings(protocol, "127.0.0.1", proxy.Port, TlsMode.Auto, user, password, [],
            new ServerTrust(null, Dovecot.CertificateSha256), AllowPlaintextPassword: true);
        var grain = await fixture.Mailbox($"stripped-{protocol}", incoming);

        var refused = await PollingFixture.PollAndWait(grain);

        Assert.Contains($"127.0.0.1:{proxy.Port}: the server does not offer STARTTLS, so the connection cannot be encrypted", refused.LastError);
        Assert.Contains("Use --tls ssl if the server has a TLS port, or --tls none to allow plaintext.", refused.LastError);
        Assert.Equal(0, refused.Counts.Fetched);
        Assert.Equal(1, Dovecot.CountMessages(user));

        // Plaintext is the admin's explicit choice, with the password typed again (a kept one never goes newly in the
        // clear), and then it works.
        var masked = (await grain.Export(false))!;
        await Assert.ThrowsAsync<MailboxException>(() => grain.Update(masked with { Incoming = masked.Incoming! with { Tls = TlsMode.None } }));
        await grain.Update(masked with { Incoming = masked.Incoming! with { Tls = TlsMode.None, Password = password } });
        Assert.Null((await PollingFixture.PollAndWait(grain)).LastError);
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task A_relay_without_starttls_is_refused_under_auto_and_nothing_is_sent()
    {
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "relay-auto"));
        var relay = new SmtpRelaySettings("127.0.0.1", fixture.Smtp.Port, TlsMode.Auto, null, null);
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with { Enabled = true, Outgoing = fixture.Relay() with { Relay = relay } });
        var outbox = fixture.Client.GetGrain<IOutboxGrain>(MailboxKey.For("poll", "relay-auto"));
        var before = fixture.Smtp.Count;

        await grain.Send(new OutgoingMail(["customer@example.net"], "never in the clear", "body"), null);

        var held = await Held(outbox);
        Assert.Contains($"SMTP relay 127.0.0.1:{fixture.Smtp.Port}: the server does not offer STARTTLS", held);
        Assert.Contains("--smtp-tls none to allow plaintext", held);
        Assert.Equal(before, fixture.Smtp.Count);

        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Outgoing = masked.Outgoing! with { Relay = relay with { Tls = TlsMode.None } } });
        var ticket = await grain.Send(new OutgoingMail(["customer@example.net"], "plaintext by choice", "body"), null);
        await fixture.Smtp.WaitFor(m => m.Message.MessageId == ticket.MessageId, TimeSpan.FromSeconds(20));
    }

    /// <summary>Why the outbox holds its mail, once it does.</summary>
    private static async Task<string> Held(IOutboxGrain outbox)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        OutboxStatus status;
        while ((status = await outbox.GetStatus()).Held is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the outbox never held its mail: {status}");
            await Task.Delay(100);
        }

        return status.Held;
    }
}

using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>Mail sent in a mailbox's name, through a real SMTP server.</summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteSendingTests(SqlitePollingFixture fixture) : SendingTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresSendingTests(PostgresPollingFixture fixture) : SendingTests(fixture);

public abstract class SendingTests(PollingFixture fixture)
{
    [Fact]
    public async Task A_mailbox_sends_with_its_envelope_branded_from_display_name_and_reply_to()
    {
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "sender"));
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with
        {
            Enabled = true,
            Outgoing = fixture.Relay() with { ReplyTo = "replies@example.com" },
        });

        var receipt = await grain.Send(new OutgoingMail(["customer@example.net"], "Your question", "Here is the answer."));

        var sent = await fixture.Smtp.WaitFor(m => m.Message.MessageId == receipt.MessageId, TimeSpan.FromSeconds(10));
        Assert.Equal("techmail@example.com", sent.EnvelopeFrom);
        Assert.Equal(["customer@example.net"], sent.Recipients);
        Assert.Equal("\"Example Support\" <support@example.com>", sent.Message.From.ToString());
        Assert.Equal("replies@example.com", sent.Message.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("mailbox", sent.Message.Headers[MailSender.GeneratedHeader]);
        Assert.Equal("Here is the answer.", sent.Message.TextBody?.Trim());
    }

    [Fact]
    public async Task Sending_through_a_disabled_mailbox_or_one_without_outgoing_settings_is_refused_clearly()
    {
        var disabled = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "send-disabled"));
        await disabled.Create(MailboxSettings.Empty(MailboxType.Service) with { Enabled = false, Outgoing = fixture.Relay() });
        var incomingOnly = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "send-incoming-only"));
        var (user, password) = fixture.NewUser();
        await incomingOnly.Create(MailboxSettings.Empty(MailboxType.Service) with { Enabled = true, Incoming = fixture.Pop3(user, password) });
        var mail = new OutgoingMail(["customer@example.net"], "x", "y");

        var whenDisabled = await Assert.ThrowsAsync<MailboxException>(() => disabled.Send(mail));
        Assert.Equal(MailboxErrorKind.CannotSend, whenDisabled.Kind);
        Assert.Contains("disabled", whenDisabled.Message);

        var withoutOutgoing = await Assert.ThrowsAsync<MailboxException>(() => incomingOnly.Send(mail));
        Assert.Equal(MailboxErrorKind.CannotSend, withoutOutgoing.Kind);
        Assert.Contains("no outgoing settings", withoutOutgoing.Message);

        await disabled.SetEnabled(true);
        var badRecipient = await Assert.ThrowsAsync<MailboxException>(() => disabled.Send(mail with { To = ["nobody"] }));
        Assert.Contains(badRecipient.Errors, e => e.Field == "to[0]");
    }

    [Fact]
    public async Task A_dead_relay_is_reported_as_cannot_send_naming_the_relay()
    {
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "send-dead-relay"));
        var deadPort = FreePort.Next();
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with
        {
            Enabled = true,
            Outgoing = fixture.Relay() with { Relay = new SmtpRelaySettings("127.0.0.1", deadPort, TlsMode.None, null, null) },
        });

        var error = await Assert.ThrowsAsync<MailboxException>(() => grain.Send(new OutgoingMail(["customer@example.net"], "x", "y")));

        Assert.Equal(MailboxErrorKind.CannotSend, error.Kind);
        Assert.Contains($"SMTP relay 127.0.0.1:{deadPort}", error.Message);
        Assert.Contains("connection refused", error.Message);
    }
}

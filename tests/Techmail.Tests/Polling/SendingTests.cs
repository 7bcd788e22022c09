using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>Mail sent in a mailbox's name: queued in its outbox, sent through a real SMTP server.</summary>
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

        var ticket = await grain.Send(new OutgoingMail(["customer@example.net"], "Your question", "Here is the answer."), null);

        var sent = await fixture.Smtp.WaitFor(m => m.Message.MessageId == ticket.MessageId, TimeSpan.FromSeconds(10));
        Assert.Equal("techmail@example.com", sent.EnvelopeFrom);
        Assert.Equal(["customer@example.net"], sent.Recipients);
        Assert.Equal("\"Example Support\" <support@example.com>", sent.Message.From.ToString());
        Assert.Equal("replies@example.com", sent.Message.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("mailbox", sent.Message.Headers[MailSender.GeneratedHeader]);
        Assert.Equal("Here is the answer.", sent.Message.TextBody?.Trim());
        Assert.False(ticket.AlreadyQueued);
        Assert.Equal(OutboxState.Sent, (await SettledEntry("sender", ticket.OutboxId, TimeSpan.FromSeconds(10))).State);
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

        var whenDisabled = await Assert.ThrowsAsync<MailboxException>(() => disabled.Send(mail, null));
        Assert.Equal(MailboxErrorKind.CannotSend, whenDisabled.Kind);
        Assert.Contains("disabled", whenDisabled.Message);

        var withoutOutgoing = await Assert.ThrowsAsync<MailboxException>(() => incomingOnly.Send(mail, null));
        Assert.Equal(MailboxErrorKind.CannotSend, withoutOutgoing.Kind);
        Assert.Contains("no outgoing settings", withoutOutgoing.Message);

        await disabled.SetEnabled(true);
        var badRecipient = await Assert.ThrowsAsync<MailboxException>(() => disabled.Send(mail with { To = ["nobody"] }, null));
        Assert.Contains(badRecipient.Errors, e => e.Field == "to[0]");
        var badRequest = await Assert.ThrowsAsync<MailboxException>(() => disabled.Send(mail, "two words"));
        Assert.Contains(badRequest.Errors, e => e.Field == "requestId");
        Assert.Empty(await fixture.Client.GetGrain<IOutboxListGrain>("poll").List("send-disabled", null, 10));
    }

    [Fact]
    public async Task A_dead_relay_leaves_the_mail_queued_with_an_error_naming_the_relay()
    {
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "send-dead-relay"));
        var deadPort = FreePort.Next();
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with
        {
            Enabled = true,
            Outgoing = fixture.Relay() with { Relay = new SmtpRelaySettings("127.0.0.1", deadPort, TlsMode.None, null, null) },
        });

        var ticket = await grain.Send(new OutgoingMail(["customer@example.net"], "x", "y"), null);

        var entry = await Entry("send-dead-relay", ticket.OutboxId, e => e.LastError is not null, TimeSpan.FromSeconds(20));
        Assert.Equal(OutboxState.Queued, entry.State);
        Assert.Contains($"SMTP relay 127.0.0.1:{deadPort}", entry.LastError);
        Assert.Contains("connection refused", entry.LastError);
    }

    [Fact]
    public async Task A_send_through_a_relay_slower_than_a_grain_call_answers_at_once_and_a_retried_request_sends_once()
    {
        var callTimeout = fixture.Client.ServiceProvider.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout;
        Assert.True(callTimeout < MailSenderTimeout, $"a grain call may last {callTimeout}: the relay below cannot be slower than that and still answer");
        const string Recipient = "slow-send@example.net";
        fixture.Smtp.AnswerSlowly(Recipient, callTimeout + TimeSpan.FromSeconds(3));
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "send-slow"));
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with { Enabled = true, Outgoing = fixture.Relay() });
        var mail = new OutgoingMail([Recipient], "Slow relay", "Take your time.");

        var clock = Stopwatch.StartNew();
        var ticket = await grain.Send(mail, "check-42");
        var answeredIn = clock.Elapsed;
        // The client saw no answer and asks again with the same request: the same mail, not a second one.
        var retried = await grain.Send(mail, "check-42");

        Assert.True(answeredIn < TimeSpan.FromSeconds(5), $"the send took {answeredIn} to answer");
        Assert.False(ticket.AlreadyQueued);
        Assert.True(retried.AlreadyQueued);
        Assert.Equal((ticket.OutboxId, ticket.MessageId), (retried.OutboxId, retried.MessageId));
        Assert.Equal(OutboxState.Queued, (await fixture.Client.GetGrain<IOutboxGrain>(MailboxKey.For("poll", "send-slow")).Get(ticket.OutboxId))!.State);

        var sent = await SettledEntry("send-slow", ticket.OutboxId, callTimeout + TimeSpan.FromSeconds(40));
        Assert.Equal(OutboxState.Sent, sent.State);
        Assert.True(clock.Elapsed > callTimeout, "the relay answered sooner than a grain call times out");
        Assert.True((await grain.Send(mail, "check-42")).AlreadyQueued);
        Assert.Equal(1, fixture.Smtp.CountTo(Recipient));
        Assert.Single(await fixture.Client.GetGrain<IOutboxListGrain>("poll").List("send-slow", null, 10));
    }

    // MailKit's per-operation timeout: a relay slower than this fails the send instead of answering late.
    private static readonly TimeSpan MailSenderTimeout = Techmail.Polling.MailFetcher.OperationTimeout;

    private Task<OutboxEntry> SettledEntry(string mailbox, long id, TimeSpan timeout) => Entry(mailbox, id, e => e.State != OutboxState.Queued, timeout);

    private async Task<OutboxEntry> Entry(string mailbox, long id, Func<OutboxEntry, bool> done, TimeSpan timeout)
    {
        var outbox = fixture.Client.GetGrain<IOutboxGrain>(MailboxKey.For("poll", mailbox));
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var entry = await outbox.Get(id) ?? throw new InvalidOperationException($"outbox mail #{id} of {mailbox} does not exist");
            if (done(entry))
            {
                return entry;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"outbox mail #{id} of {mailbox} never got there: {entry}");
            }

            await Task.Delay(100);
        }
    }
}

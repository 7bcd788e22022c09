using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>The outbox grain in a real silo, sending through a real SMTP server that refuses when told to.</summary>
[Collection(OutboxCollection.Name)]
public sealed class OutboxGrainTests(OutboxFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Queued_mail_goes_out_with_the_mailboxs_exact_envelope_from_and_reply_to()
    {
        var outgoing = fixture.Outgoing();
        await fixture.Mailbox("exact", outgoing);

        var (_, queued, messageId) = await fixture.Queue("exact", outgoing, "customer@example.net", "exact");

        Assert.True(queued);
        var sent = await fixture.Smtp.WaitFor(m => m.Message.MessageId == messageId, Wait);
        Assert.Equal("bounces@example.com", sent.EnvelopeFrom);
        Assert.Equal(["customer@example.net"], sent.Recipients);
        Assert.Equal("\"Example Support\" <support@example.com>", sent.Message.From.ToString());
        Assert.Equal("replies@example.com", sent.Message.ReplyTo.Mailboxes.Single().Address);
        var status = await fixture.StatusWhen("exact", s => s.Sent == 1);
        Assert.Equal((0L, 0L, (TimeSpan?)null), (status.Queued, status.Failed, status.OldestQueuedAge));
        // Mail that went at once leaves no reminder behind.
        Assert.Equal(0, await Reminders("exact"));
    }

    [Fact]
    public async Task Two_451_replies_are_retried_with_backoff_and_the_mail_is_then_delivered()
    {
        var outgoing = fixture.Outgoing();
        await fixture.Mailbox("greylisted", outgoing);
        var before = fixture.Smtp.Refusals;
        fixture.Smtp.AnswerNext(2, 451, "4.7.1 greylisted, try again later");

        var (id, _, messageId) = await fixture.Queue("greylisted", outgoing, "customer@example.net", "greylisted");

        await fixture.Smtp.WaitFor(m => m.Message.MessageId == messageId, Wait);
        Assert.Equal(before + 2, fixture.Smtp.Refusals);
        await fixture.StatusWhen("greylisted", s => s.Sent == 1);
        var row = Assert.Single(await fixture.Client.GetGrain<IOutboxListGrain>("out").List("greylisted", null, 10));
        Assert.Equal((id, OutboxState.Sent, 3), (row.Id, row.State, row.Attempts));
        // It went late, and the row says why.
        Assert.Contains("451 4.7.1 greylisted", row.LastError);
    }

    [Fact]
    public async Task A_550_for_the_recipient_fails_the_mail_for_good_with_the_servers_reply()
    {
        var outgoing = fixture.Outgoing();
        await fixture.Mailbox("refused", outgoing);
        fixture.Smtp.RefuseRecipient("nobody@example.net", 550, "5.1.1 no such user here");

        var (id, _, _) = await fixture.Queue("refused", outgoing, "nobody@example.net", "refused");

        var status = await fixture.StatusWhen("refused", s => s.Failed == 1);
        Assert.Equal((0L, 0L), (status.Queued, status.Sent));
        var failure = Assert.Single(status.RecentFailures);
        Assert.Equal((id, 1), (failure.Id, failure.Attempts));
        // SmtpServer appends its own note (how many more commands it tolerates) to the reply; the reply is what counts.
        Assert.StartsWith($"SMTP relay 127.0.0.1:{fixture.Smtp.Port} refused recipient nobody@example.net: 550 5.1.1 no such user here", failure.LastError);
    }

    [Fact]
    public async Task A_queued_mail_the_client_library_cannot_send_fails_alone_and_the_mail_after_it_goes_out()
    {
        var outgoing = fixture.Outgoing();
        await fixture.Mailbox("unsendable", outgoing);
        var (broken, _, _) = await fixture.Queue("unsendable", outgoing, "customer@example.net", "unsendable", wake: false);
        // As a row written before recipients were checked at queueing: MailKit cannot parse it as an address.
        await TechmailTestCluster.Scalar(fixture.Options, "UPDATE techmail_outbox SET recipients = @r WHERE id = @id", ("@r", "[\"<<< not an address\"]"), ("@id", broken));
        var (_, _, after) = await fixture.Queue("unsendable", outgoing, "customer@example.net", "after the unsendable one");

        await fixture.Smtp.WaitFor(m => m.Message.MessageId == after, Wait);
        var status = await fixture.StatusWhen("unsendable", s => s.Failed == 1 && s.Sent == 1);
        Assert.Equal(0L, status.Queued);
        var failure = Assert.Single(status.RecentFailures);
        Assert.Equal(broken, failure.Id);
        Assert.StartsWith("cannot be sent: ", failure.LastError);
    }

    [Fact]
    public async Task A_relay_that_takes_fewer_connections_than_the_outbox_opens_still_gets_every_mail_once_without_a_pause()
    {
        await using var proxy = FaultyProxy.Start(fixture.Smtp.Port);
        proxy.LimitOpenConnections(2);
        var outgoing = fixture.Outgoing(proxy.Port);
        await fixture.Mailbox("limited", outgoing);
        var ids = new List<string>();
        for (var i = 0; i < 120; i++)
        {
            ids.Add((await fixture.Queue("limited", outgoing, "customer@example.net", $"limited {i}", wake: false)).MessageId);
        }

        await fixture.Outbox("limited").Wake();

        // Well within one retry delay: the refused extra connections cost no mail a retry.
        var status = await fixture.StatusWhen("limited", s => s.Sent == 120, Wait);
        Assert.Equal((0L, 0L, (string?)null), (status.Queued, status.Failed, status.LastError));
        Assert.True(proxy.RefusedOverLimit > 0, "the outbox never tried more connections than the relay takes");
        var arrived = fixture.Smtp.Messages.Select(m => m.Message.MessageId).Where(id => id is not null && ids.Contains(id)).ToList();
        Assert.Equal(120, arrived.Count);
        Assert.Equal(120, arrived.Distinct().Count());
    }

    [Fact]
    public async Task Relay_connections_are_kept_from_batch_to_batch_and_ones_dropped_meanwhile_cost_no_mail_a_retry()
    {
        await using var proxy = FaultyProxy.Start(fixture.Smtp.Port);
        var outgoing = fixture.Outgoing(proxy.Port);
        await fixture.Mailbox("kept", outgoing);
        var ids = new HashSet<string>();
        for (var i = 0; i < 1200; i++)
        {
            ids.Add((await fixture.Queue("kept", outgoing, "customer@example.net", $"kept {i}", wake: false)).MessageId);
        }

        var before = fixture.Smtp.Count;
        await fixture.Outbox("kept").Wake();
        // A third of the mail is in, several batches remain: every kept connection dies, idle or in the middle of a mail.
        while (fixture.Smtp.Count - before < 400)
        {
            await Task.Delay(1);
        }

        proxy.ResetOpenConnections();

        var status = await fixture.StatusWhen("kept", s => s.Sent == 1200, Wait);
        Assert.Equal((0L, 0L, (string?)null), (status.Queued, status.Failed, status.LastError));
        var arrived = fixture.Smtp.Messages.Select(m => m.Message.MessageId).Where(id => id is not null && ids.Contains(id)).Distinct().Count();
        Assert.Equal(1200, arrived);
        // Four connections before the drop and four after; a connection per batch and slice would have made twelve or more.
        Assert.Equal(8, proxy.ConnectionCount);
    }

    [Fact]
    public async Task Mail_for_a_relay_that_is_down_waits_and_goes_out_once_the_relay_is_up()
    {
        var port = FreePort.Next();
        var outgoing = fixture.Outgoing(port);
        await fixture.Mailbox("relay-down", outgoing);

        var (_, _, messageId) = await fixture.Queue("relay-down", outgoing, "customer@example.net", "relay-down");

        var waiting = await fixture.StatusWhen("relay-down", s => s.LastError is not null);
        Assert.Equal(1, waiting.Queued);
        Assert.Contains($"SMTP relay 127.0.0.1:{port}", waiting.LastError);
        Assert.NotNull(waiting.NextAttempt);
        Assert.Null(waiting.Held);
        // Should this silo die now, the reminder brings the outbox back on another.
        await RemindersBecome("relay-down", 1);

        await using var relay = await SmtpSink.Start(port);
        var sent = await relay.WaitFor(m => m.Message.MessageId == messageId, Wait);
        Assert.Equal("bounces@example.com", sent.EnvelopeFrom);
        await fixture.StatusWhen("relay-down", s => s.Sent == 1 && s.Queued == 0);
        await RemindersBecome("relay-down", 0);
    }

    [Fact]
    public async Task The_same_dedupe_key_queued_twice_is_sent_once()
    {
        var outgoing = fixture.Outgoing();
        await fixture.Mailbox("dedupe", outgoing);

        var first = await fixture.Queue("dedupe", outgoing, "customer@example.net", "dedupe", dedupe: "ack:dedupe-key");
        var second = await fixture.Queue("dedupe", outgoing, "customer@example.net", "dedupe", dedupe: "ack:dedupe-key");

        Assert.Equal((first.Id, true, false), (second.Id, first.Queued, second.Queued));
        await fixture.Smtp.WaitFor(m => m.Message.MessageId == first.MessageId, Wait);
        await fixture.StatusWhen("dedupe", s => s.Sent == 1);
        await Task.Delay(500);
        Assert.Single(fixture.Smtp.Messages, m => m.Message.Subject == "dedupe");
    }

    [Fact]
    public async Task Mail_of_a_disabled_mailbox_stays_queued_with_the_reason_and_goes_out_once_it_is_enabled()
    {
        var outgoing = fixture.Outgoing();
        await fixture.Mailbox("disabled", outgoing, enabled: false);

        var (_, _, messageId) = await fixture.Queue("disabled", outgoing, "customer@example.net", "disabled");

        var held = await fixture.StatusWhen("disabled", s => s.Held is not null);
        Assert.Equal((1L, 0L, 0L), (held.Queued, held.Sent, held.Failed));
        Assert.Equal("mailbox 'disabled' is disabled; queued mail waits until it is enabled", held.Held);
        await Task.Delay(600);
        Assert.DoesNotContain(fixture.Smtp.Messages, m => m.Message.MessageId == messageId);
        Assert.Equal(1, (await fixture.Outbox("disabled").GetStatus()).Queued);

        // Nothing wakes the outbox here: it re-checks a held mailbox by itself.
        await fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("out", "disabled")).SetEnabled(true);

        await fixture.Smtp.WaitFor(m => m.Message.MessageId == messageId, Wait);
        var status = await fixture.StatusWhen("disabled", s => s.Sent == 1);
        Assert.Null(status.Held);
    }

    [Fact]
    public async Task A_mailbox_coming_back_to_life_sends_what_was_queued_before()
    {
        var outgoing = fixture.Outgoing();
        await fixture.Mailbox("resume", outgoing);
        // Queued with nobody told, as when a silo dies between queueing and waking.
        var (_, _, messageId) = await fixture.Queue("resume", outgoing, "customer@example.net", "resume", wake: false);
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        await fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("out", "resume")).Get();

        await fixture.Smtp.WaitFor(m => m.Message.MessageId == messageId, Wait);
        await fixture.StatusWhen("resume", s => s.Sent == 1);
    }

    [Fact]
    public async Task A_refused_login_holds_the_mail_until_the_relay_settings_change()
    {
        await using var relay = await SmtpSink.Start();
        relay.RefuseLogins = true;
        var outgoing = fixture.Outgoing(relay.Port) with { Relay = new SmtpRelaySettings("127.0.0.1", relay.Port, TlsMode.None, "relay", "old-password", AllowPlaintextPassword: true) };
        await fixture.Mailbox("login", outgoing);

        var (_, _, messageId) = await fixture.Queue("login", outgoing, "customer@example.net", "login");

        var held = await fixture.StatusWhen("login", s => s.Held is not null);
        Assert.Equal((1L, 0L), (held.Queued, held.Failed));
        Assert.Contains("authentication failed", held.Held);
        Assert.Contains("until the mailbox's outgoing settings change", held.Held);
        var row = Assert.Single(await fixture.Client.GetGrain<IOutboxListGrain>("out").List("login", null, 10));
        Assert.Equal(0, row.Attempts);

        // The admin fixes the password; the relay takes it; the outbox notices the new settings by itself.
        relay.RefuseLogins = false;
        var mailbox = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("out", "login"));
        var settings = (await mailbox.Get())!.Settings;
        await mailbox.Update(settings with { Outgoing = settings.Outgoing! with { Relay = settings.Outgoing.Relay! with { Password = "new-password" } } });

        var sent = await relay.WaitFor(m => m.Message.MessageId == messageId, Wait);
        Assert.Equal("relay", sent.AuthenticatedUser);
        Assert.Null((await fixture.StatusWhen("login", s => s.Sent == 1)).Held);
    }

    /// <summary>The reminder is written right after the drain that left mail waiting, so a moment after the status shows it.</summary>
    private async Task RemindersBecome(string mailbox, long expected)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (await Reminders(mailbox) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(expected, await Reminders(mailbox));
    }

    private Task<long> Reminders(string mailbox) =>
        TechmailTestCluster.Scalar(fixture.Options, "SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId = @id", ("@id", "outbox/" + MailboxKey.For("out", mailbox)));
}

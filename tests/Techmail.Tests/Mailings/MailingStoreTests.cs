using System.Security.Cryptography;
using System.Text;
using Techmail.Mailboxes;
using Techmail.Mailings;
using Techmail.Outgoing;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Mailings;

/// <summary>The mailing tables' SQL, the same scenario on SQLite and on PostgreSQL.</summary>
public sealed class MailingStoreTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    public void Dispose() => _databases.Dispose();

    [Fact]
    public async Task Sqlite() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres() => await Scenario(await ScratchDatabases.Postgres());

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new MailingStore(database);
        var outbox = new OutboxStore(database, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        var template = Encoding.ASCII.GetBytes("Subject: Hi {first}\r\nContent-Type: text/plain\r\n\r\nHello {first}\r\n");
        var draft = new MailingDraft("news", "November", "req-1", template, ["first"], 600, null);

        // The same request is the same mailing.
        var id = await store.Create("t1", draft, TimeSpan.FromDays(7), now);
        Assert.Equal(id, await store.Create("t1", draft, TimeSpan.FromDays(7), now));
        var mailing = await store.Get("t1", id);
        Assert.Equal(MailingState.Draft, mailing!.State);
        Assert.Equal(["first"], mailing.Fields);
        Assert.Null(await store.Get("t2", id));

        // A repeated address is a duplicate, across chunks too; a chunk added again adds nothing.
        Assert.Equal(1, await store.AddRecipients(id, 1, [R("ann@example.net"), R("bob@example.net"), R("ANN@example.net")], now));
        Assert.Equal(1, await store.AddRecipients(id, 4, [R("carl@example.net"), R("bob@example.net")], now));
        Assert.Equal(0, await store.AddRecipients(id, 4, [R("carl@example.net"), R("bob@example.net")], now));
        Assert.Equal(5, (await store.Get("t1", id))!.Listed);
        Assert.Equal([1L, 2L, 4L], await store.Due(id, now, 10));

        // Queued once: a second hand-over of the same recipients (a retried batch call) queues nothing.
        await store.SetState("t1", id, MailingState.Sending, now);
        var outgoing = new OutgoingSettings("bounces@example.com", "news@example.com", null, "News", null);
        var (parsed, _) = MailingTemplate.Parse(template, ["first"]);
        var composer = new MailingComposer(parsed!, outgoing, "t1", "news", id, RandomNumberGenerator.GetBytes(32), "https://mail.example.com");
        var rows = await store.Slice(id, [1, 2, 4]);
        var composed = rows.Select(r => (composer.Compose(r, r.Attempts + 1, now), r.Attempts)).ToList();
        Assert.Equal(2, await store.Queue("t1", "news", id, composed.Take(2).ToList(), [(4, "invalid")], now));
        Assert.Equal(0, await store.Queue("t1", "news", id, composed.Take(2).ToList(), [], now));
        Assert.Empty(await store.Due(id, now, 10));
        var due = await outbox.Due("t1", "news", now.AddSeconds(1), 10);
        Assert.Equal(2, due.Count);
        Assert.Equal([MailingStore.OutboxKey(id, 1, 1), MailingStore.OutboxKey(id, 2, 1)], due.Select(d => d.DedupeKey));
        Assert.StartsWith("bounces+m", due[0].EnvelopeFrom);
        Assert.Equal(["ann@example.net"], due[0].Recipients);

        // The outbox's outcome reaches the recipients: one sent, one refused for good.
        await outbox.MarkSent([due[0].Id], now);
        await outbox.MarkFailed(due[1].Id, "127.0.0.1 refused recipient bob@example.net: 550 5.1.1 User unknown", now);
        var refused = Assert.Single(await store.Reconcile("t1", id, now));
        Assert.Equal((2L, "bob@example.net", 1), (refused.Index, refused.Address, refused.Attempt));
        Assert.Contains("550 5.1.1", refused.Error);
        var states = await store.States(id);
        Assert.Equal(1, states[MailingStore.Sent]);
        Assert.Equal(1, states[MailingStore.Suppressed]);

        // Sent is not delivered yet: that takes the retry window (7 days from the first send) closing without a bounce.
        var justSent = await store.Report((await store.Get("t1", id))!, now);
        Assert.Equal((1L, 0L, 1L), (justSent.Sent, justSent.Delivered, justSent.AwaitingBounces));
        var windowOpen = await store.Report((await store.Get("t1", id))!, now + TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal((0L, 1L), (windowOpen.Delivered, windowOpen.AwaitingBounces));
        var windowClosed = await store.Report((await store.Get("t1", id))!, now + TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        Assert.Equal((1L, 1L, 0L), (windowClosed.Sent, windowClosed.Delivered, windowClosed.AwaitingBounces));

        // A report's Message-ID finds the send it is about.
        var messageId = SentMessageIds.Normalize(composed[0].Item1.MessageId)!;
        var send = Assert.Single(await store.SendsByMessageId("t1", [messageId, "other@x"]));
        Assert.Equal((id, 1L, 1), (send.Mailing, send.Index, send.Attempt));
        Assert.Empty(await store.SendsByMessageId("t2", [messageId]));

        // Events count once per report; a soft bounce schedules a retry that comes due.
        var retry = new RecipientChange("state = 'retry', detail = @reason, next_attempt_utc = @at", [("@reason", "mailboxfull"), ("@at", now.AddSeconds(-1).UtcDateTime)]);
        Assert.True(await store.Record(id, 1, "report-1", "soft", "mailboxfull", null, 1, retry, received: true, now));
        Assert.False(await store.Record(id, 1, "report-1", "soft", "mailboxfull", null, 1, retry, received: true, now));
        Assert.Equal([1L], await store.Due(id, now, 10));
        var report = await store.Report((await store.Get("t1", id))!, now + TimeSpan.FromDays(8));
        Assert.Equal(1, report.SoftBounces);
        Assert.Equal(1, report.Retrying);
        Assert.Equal(1, report.Sent);
        // A recipient waiting for a retry is neither delivered nor awaiting bounces, however long ago its first send was.
        Assert.Equal((0L, 0L), (report.Delivered, report.AwaitingBounces));
        Assert.Equal(2, report.Duplicates);
        Assert.Equal(1, report.Suppressed);

        // A waiting retry whose address's soft bounces reached the policy's limit is not sent and has failed; one whose
        // address opted out (or was flagged for another reason) meanwhile is suppressed.
        var second = await store.Create("t1", new MailingDraft("news", "December", "req-2", template, ["first"], 600, null), TimeSpan.FromDays(7), now);
        await store.AddRecipients(second, 1, [R("dora@example.net"), R("eve@example.net")], now);
        foreach (var index in new long[] { 1, 2 })
        {
            await store.Record(second, index, $"report-s{index}", "soft", "mailboxfull", null, 1, retry, received: true, now);
        }

        Assert.Equal(0, await store.Queue("t1", "news", second, [], [(2, "opted out")], now, givenUp: [1]));
        var ended = await store.States(second);
        Assert.Equal((1L, 1L), (ended[MailingStore.Failed], ended[MailingStore.Suppressed]));
        Assert.Empty(await store.Due(second, now, 10));

        // Cancelling stops the rest, the outbox's queued mail of the mailing included.
        var again = (await store.Slice(id, [1])).Single();
        Assert.Equal(1, await store.Queue("t1", "news", id, [(composer.Compose(again, 2, now), 1)], [], now));
        await store.CancelRest("t1", id, now);
        Assert.Empty(await outbox.Due("t1", "news", now.AddSeconds(1), 10));
        // Only Bob's refusal is still reported (until the mailing judges it); the cancelled mail is no refusal.
        Assert.Equal(2, Assert.Single(await store.Reconcile("t1", id, now)).Index);
        Assert.Equal(1, (await store.States(id))[MailingStore.Cancelled]);
    }

    private static MailingRecipient R(string address) => new(address, ["First"]);
}

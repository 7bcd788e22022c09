using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>Rejected mail forwarded through the outbox, and reprocessing that answers at once and never runs twice.</summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteReprocessTests(SqlitePollingFixture fixture) : ReprocessTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresReprocessTests(PostgresPollingFixture fixture) : ReprocessTests(fixture);

public abstract class ReprocessTests(PollingFixture fixture)
{
    private DovecotServer Dovecot => fixture.Dovecot;

    private IQuarantineGrain Quarantine => fixture.Client.GetGrain<IQuarantineGrain>("poll");

    private TimeSpan CallTimeout => fixture.Client.ServiceProvider.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout;

    [Fact]
    public async Task A_rejected_message_is_forwarded_through_the_outbox_so_a_slow_relay_never_holds_the_poll()
    {
        const string Review = "slow-forward@example.com";
        fixture.Smtp.AnswerSlowly(Review, TimeSpan.FromSeconds(15));
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.WithAttachment("installer", "setup.exe", "application/octet-stream", 1000));
        var grain = await fixture.Mailbox("forward-slow", fixture.Pop3(user, password), s => s with
        {
            Outgoing = fixture.Relay(),
            RejectForwardAddresses = [Review],
            Attachments = AttachmentPolicy.None with { BlockedTypes = [".exe"] },
        });

        var clock = Stopwatch.StartNew();
        var status = await PollingFixture.PollAndWait(grain);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the poll took {clock.Elapsed}: it waited for the relay");
        Assert.Equal(1, status.Counts.Rejected);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(1, await fixture.Traced("forward-slow", TraceVerdict.Rejected));
        var forward = Assert.Single(await fixture.Client.GetGrain<IOutboxListGrain>("poll").List("forward-slow", null, 10));
        Assert.Equal([Review], forward.Recipients);

        var received = await fixture.Smtp.WaitFor(m => m.Recipients.Contains(Review), TimeSpan.FromSeconds(40));
        Assert.Equal("Rejected by Techmail: installer", received.Message.Subject);
        Assert.Equal(1, fixture.Smtp.CountTo(Review));
    }

    [Fact]
    public async Task A_reprocess_whose_forward_meets_a_relay_slower_than_a_grain_call_answers_at_once_and_asked_again_forwards_once()
    {
        const string Review = "slow-review@example.com";
        fixture.Smtp.AnswerSlowly(Review, CallTimeout + TimeSpan.FromSeconds(3));
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.WithAttachment("contract", "contract.zip", "application/zip", 500));
        var grain = await fixture.Mailbox("reprocess-slow", fixture.Pop3(user, password), s => s with
        {
            Outgoing = fixture.Relay(),
            Attachments = AttachmentPolicy.None with { BlockedTypes = [".zip"] },
        });
        Assert.Equal(1, (await PollingFixture.PollAndWait(grain)).Counts.Quarantined);
        var held = Assert.Single(await Quarantine.List("reprocess-slow", false, 10));
        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { RejectForwardAddresses = [Review] });

        var clock = Stopwatch.StartNew();
        var first = await Quarantine.Reprocess(held.Id);
        var answeredIn = clock.Elapsed;
        var retried = await Quarantine.Reprocess(held.Id);

        Assert.True(answeredIn < TimeSpan.FromSeconds(5), $"the reprocess took {answeredIn} to answer");
        Assert.Equal((TraceVerdict.Rejected, ReprocessProgress.Waiting), (first.Verdict, first.Progress));
        Assert.NotNull(first.OutboxId);
        Assert.Equal((first.OutboxId, ReprocessProgress.Waiting), (retried.OutboxId, retried.Progress));
        Assert.Contains($"forward to {Review} queued as outbox mail #{first.OutboxId}", first.Summary);

        var done = await Settled(held.Id, CallTimeout + TimeSpan.FromSeconds(40));
        Assert.Equal(ReprocessProgress.Done, done.Progress);
        Assert.Equal($"rejected and forwarded to {Review} (outbox mail #{first.OutboxId})", done.Summary);
        Assert.True(clock.Elapsed > CallTimeout, "the relay answered sooner than a grain call times out");
        Assert.Equal(done, await Quarantine.Reprocess(held.Id));
        Assert.Equal(1, fixture.Smtp.CountTo(Review));
        Assert.Single(await fixture.Client.GetGrain<IOutboxListGrain>("poll").List("reprocess-slow", null, 10));
        Assert.Equal(QuarantineState.Reprocessed, (await Quarantine.Get(held.Id))!.State);
    }

    [Fact]
    public async Task A_reprocessed_message_is_followed_until_it_becomes_an_incident()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.WithAttachment("invoice", "invoice.zip", "application/zip", 500));
        var grain = await fixture.Mailbox("reprocess-incident", fixture.Pop3(user, password), s => s with
        {
            Attachments = AttachmentPolicy.None with { BlockedTypes = [".zip"] },
        });
        await PollingFixture.PollAndWait(grain);
        var held = Assert.Single(await Quarantine.List("reprocess-incident", false, 10));
        Assert.Null(await Quarantine.Outcome(held.Id));
        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Attachments = AttachmentPolicy.None });

        var first = await Quarantine.Reprocess(held.Id);
        var done = await Settled(held.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(TraceVerdict.Accepted, first.Verdict);
        Assert.Equal(ReprocessProgress.Done, done.Progress);
        Assert.NotNull(done.Incident);
        Assert.Equal($"became incident {done.Incident}", done.Summary);
        Assert.Equal(done, await Quarantine.Reprocess(held.Id));
        Assert.Equal(1, await fixture.Inbound("reprocess-incident"));
    }

    /// <summary>Follows a reprocessing, as <c>quarantine reprocess --wait</c> does, until it has ended.</summary>
    private async Task<ReprocessOutcome> Settled(string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var outcome = await Quarantine.Outcome(id) ?? throw new InvalidOperationException($"{id} was never reprocessed");
            if (outcome.Progress != ReprocessProgress.Waiting)
            {
                return outcome;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the reprocessing of {id} never ended: {outcome}");
            }

            await Task.Delay(100);
        }
    }
}

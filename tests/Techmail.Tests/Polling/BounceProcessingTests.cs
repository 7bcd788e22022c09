using Techmail.Bounces;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>Bounces dropped into a Marketing mailbox on a real Dovecot, end to end to the address flags.</summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteBounceProcessingTests(SqlitePollingFixture fixture) : BounceProcessingTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresBounceProcessingTests(PostgresPollingFixture fixture) : BounceProcessingTests(fixture);

public abstract class BounceProcessingTests(PollingFixture fixture)
{
    private IAddressGrain Address(string address) => fixture.Client.GetGrain<IAddressGrain>(AddressKey.For("poll", address));

    [Fact]
    public async Task Hard_bounces_invalidate_at_once_soft_ones_on_the_third_and_a_human_reply_is_forwarded()
    {
        var (user, password) = fixture.NewUser();
        var hard = $"hard-{Guid.NewGuid():N}@example.net";
        var soft = $"soft-{Guid.NewGuid():N}@example.net";
        var grain = await fixture.Mailbox("bounces", fixture.Pop3(user, password), s => s with
        {
            Outgoing = fixture.Relay(),
            RejectForwardAddresses = ["marketing-team@example.com"],
        }, MailboxType.Marketing);
        fixture.Dovecot.Deliver(user, TestBounces.HardUserUnknown(hard, await SendFrom(grain, hard)));
        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(soft, await SendFrom(grain, soft)));
        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(soft, await SendFrom(grain, soft)));
        fixture.Dovecot.Deliver(user, TestMail.Simple("Re: Our November newsletter", from: "reader@example.net", body: "Please take me off this list."));

        var first = await PollingFixture.PollAndWait(grain);

        Assert.Null(first.LastError);
        Assert.Equal(3, first.Counts.Accepted);
        Assert.Equal(1, first.Counts.Rejected);
        Assert.Equal(0, fixture.Dovecot.CountMessages(user));

        var hardStatus = await Address(hard).Get();
        Assert.True(hardStatus.Invalid);
        Assert.Contains("userunknown", hardStatus.InvalidReason);
        var softStatus = await Address(soft).Get();
        Assert.False(softStatus.Invalid);
        Assert.Equal(2, softStatus.History.Count);

        var reply = await fixture.Smtp.WaitFor(m => m.Message.Subject == "Rejected by Techmail: Re: Our November newsletter", TimeSpan.FromSeconds(10));
        Assert.Equal(["marketing-team@example.com"], reply.Recipients);
        Assert.Contains("not a bounce", reply.Message.Headers["X-Techmail-Reject-Reason"] ?? "");

        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(soft, await SendFrom(grain, soft)));
        await PollingFixture.PollAndWait(grain);
        softStatus = await Address(soft).Get();
        Assert.True(softStatus.Invalid);
        Assert.Contains("3 soft bounces", softStatus.InvalidReason);

        var directory = fixture.Client.GetGrain<IBounceDirectoryGrain>("poll");
        var listed = await directory.List(new BounceQuery(Mailbox: "bounces"));
        Assert.Equal(4, listed.Count);
        Assert.Single(listed, b => b.Address == hard && b.HardBounce == true && b.Status == "5.1.1" && b.Reason == "userunknown");
        Assert.Equal(3, (await directory.List(new BounceQuery(Address: soft, Hard: false))).Count);
        Assert.All(listed, b => Assert.StartsWith("message-id:", b.Mailing));
        Assert.All(listed, b => Assert.StartsWith("message-id:", b.TiedTo));
        Assert.All(listed, b => Assert.Null(b.Untied));
        var invalid = await directory.Invalid(100);
        Assert.Contains(invalid, a => a.Address == hard);
        Assert.Contains(invalid, a => a.Address == soft);

        var revalidated = await Address(soft).Revalidate();
        Assert.False(revalidated.Invalid);
        Assert.DoesNotContain(await directory.Invalid(100), a => a.Address == soft);
    }

    [Fact]
    public async Task The_same_bounce_fetched_twice_counts_once()
    {
        var (user, password) = fixture.NewUser();
        var address = $"twice-{Guid.NewGuid():N}@example.net";
        var grain = await fixture.Mailbox("bounces-twice", fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() }, MailboxType.Marketing);
        var sent = await SendFrom(grain, address);
        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(address, sent));
        await PollingFixture.PollAndWait(grain);
        var key = (await grain.GetTrace(1)).Single().MessageKey;

        // As if a crash had brought the message back: intake sees the same key again.
        var raw = TestBounces.SoftMailboxFull(address, sent);
        var again = new InboundMessage("poll", "bounces-twice", MailboxType.Marketing, key, "uid", null, null, null, raw,
            [new BounceFinding(address, "mailboxfull", false, "4.2.2", "452", null)], OriginalMessageIds: [sent.Trim('<', '>').ToLowerInvariant()]);
        await fixture.Client.GetGrain<IBounceIntakeGrain>(0).Accept([again]);

        Assert.Single((await Address(address).Get()).History);
    }

    [Fact]
    public async Task A_forged_report_for_a_victim_is_recorded_as_untied_and_changes_no_address()
    {
        var (user, password) = fixture.NewUser();
        var victim = $"victim-{Guid.NewGuid():N}@example.net";
        var reader = $"reader-{Guid.NewGuid():N}@example.net";
        var grain = await fixture.Mailbox("bounces-forged", fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() }, MailboxType.Marketing);
        var toReader = await SendFrom(grain, reader);

        // Anyone can mail the public bounce address: a DSN naming mail never sent, a DSN naming real mail sent to
        // someone else, and a complaint about mail never sent.
        fixture.Dovecot.Deliver(user, TestBounces.HardUserUnknown(victim));
        fixture.Dovecot.Deliver(user, TestBounces.HardUserUnknown(victim, toReader));
        fixture.Dovecot.Deliver(user, TestBounces.Complaint(victim, $"<{Guid.NewGuid():N}@mailer.example.com>"));
        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(3, status.Counts.Accepted);
        var victimStatus = await Address(victim).Get();
        Assert.False(victimStatus.Invalid);
        Assert.False(victimStatus.OptedOut);
        Assert.Empty(victimStatus.History);
        Assert.DoesNotContain(await fixture.Client.GetGrain<IBounceDirectoryGrain>("poll").Invalid(1000), a => a.Address == victim);

        var listed = await fixture.Client.GetGrain<IBounceDirectoryGrain>("poll").List(new BounceQuery(Mailbox: "bounces-forged"));
        Assert.Equal(3, listed.Count);
        Assert.All(listed, b => Assert.Null(b.TiedTo));
        Assert.All(listed, b => Assert.StartsWith("not tied to mail sent by this tenant: ", b.Untied));
        Assert.Single(listed, b => b.Untied!.EndsWith($"{victim} was not a recipient of {toReader.ToLowerInvariant()}", StringComparison.Ordinal));
        Assert.Single(listed, b => b.Reason == "feedback");
    }

    [Fact]
    public async Task A_genuine_complaint_about_mail_the_tenant_sent_opts_the_address_out()
    {
        var (user, password) = fixture.NewUser();
        var reader = $"complainer-{Guid.NewGuid():N}@example.net";
        var grain = await fixture.Mailbox("bounces-complaint", fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() }, MailboxType.Marketing);
        fixture.Dovecot.Deliver(user, TestBounces.Complaint(reader, await SendFrom(grain, reader)));

        await PollingFixture.PollAndWait(grain);

        Assert.True((await Address(reader).Get()).OptedOut);
        var row = Assert.Single(await fixture.Client.GetGrain<IBounceDirectoryGrain>("poll").List(new BounceQuery(Mailbox: "bounces-complaint")));
        Assert.StartsWith("message-id:", row.TiedTo);
        Assert.Null(row.Untied);
    }

    /// <summary>Sends a mail from the mailbox through the real SMTP sink; its Message-ID as a header writes it.</summary>
    private async Task<string> SendFrom(IMailboxGrain grain, string to)
    {
        var ticket = await grain.Send(new OutgoingMail([to], "Our November newsletter", "The newsletter."), null);
        await fixture.Smtp.WaitFor(m => m.Message.MessageId == ticket.MessageId, TimeSpan.FromSeconds(10));
        return $"<{ticket.MessageId}>";
    }
}

using Techmail.Bounces;
using Techmail.Mailboxes;
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
        fixture.Dovecot.Deliver(user, TestBounces.HardUserUnknown(hard));
        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(soft));
        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(soft));
        fixture.Dovecot.Deliver(user, TestMail.Simple("Re: Our November newsletter", from: "reader@example.net", body: "Please take me off this list."));
        var grain = await fixture.Mailbox("bounces", fixture.Pop3(user, password), s => s with
        {
            Outgoing = fixture.Relay(),
            RejectForwardAddresses = ["marketing-team@example.com"],
        }, MailboxType.Marketing);

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

        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(soft));
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
        fixture.Dovecot.Deliver(user, TestBounces.SoftMailboxFull(address));
        var grain = await fixture.Mailbox("bounces-twice", fixture.Pop3(user, password), type: MailboxType.Marketing);
        await PollingFixture.PollAndWait(grain);
        var key = (await grain.GetTrace(1)).Single().MessageKey;

        // As if a crash had brought the message back: intake sees the same key again.
        var raw = TestBounces.SoftMailboxFull(address);
        var again = new InboundMessage("poll", "bounces-twice", MailboxType.Marketing, key, "uid", null, null, null, raw,
            [new BounceFinding(address, "mailboxfull", false, "4.2.2", "452", null)]);
        await fixture.Client.GetGrain<IBounceIntakeGrain>(0).Accept([again]);

        Assert.Single((await Address(address).Get()).History);
    }
}

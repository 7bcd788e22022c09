using Techmail.Bounces;
using Techmail.Contacts;

namespace Techmail.Tests.Contacts;

public sealed class AddressPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly BouncePolicy Policy = new();

    private static BounceEvent Bounce(string reason, bool? hard, double days, string? key = null) =>
        new("m", key ?? Guid.NewGuid().ToString("N"), reason, hard, hard == true ? "5.1.1" : "4.2.2", null, null, null, T0.AddDays(days));

    [Fact]
    public void A_hard_bounce_invalidates_at_once()
    {
        var state = new AddressState();
        AddressPolicy.Apply(state, Bounce("userunknown", true, 0), Policy);
        Assert.True(state.Invalid);
        Assert.Contains("hard bounce: userunknown, 5.1.1", state.InvalidReason);
        Assert.Equal(T0, state.InvalidSince);
    }

    [Fact]
    public void The_third_soft_bounce_within_fifteen_days_invalidates_and_older_ones_do_not_count()
    {
        var state = new AddressState();
        AddressPolicy.Apply(state, Bounce("mailboxfull", false, 0), Policy);
        AddressPolicy.Apply(state, Bounce("mailboxfull", false, 10), Policy);
        Assert.False(state.Invalid);
        Assert.Equal(T0.AddDays(17), AddressPolicy.RetryUntil(state, Policy));

        // Day 16: the first bounce has left the window.
        AddressPolicy.Apply(state, Bounce("mailboxfull", false, 16), Policy);
        Assert.False(state.Invalid);
        AddressPolicy.Apply(state, Bounce("expired", false, 20), Policy);
        Assert.True(state.Invalid);
        Assert.StartsWith("3 soft bounces within 15 days (last: expired", state.InvalidReason);
    }

    [Theory]
    [InlineData("delivered")]
    [InlineData("vacation")]
    public void Delivered_and_vacation_reports_never_count(string reason)
    {
        var state = new AddressState();
        for (var i = 0; i < 5; i++)
        {
            AddressPolicy.Apply(state, Bounce(reason, null, i), Policy);
        }

        Assert.False(state.Invalid);
        Assert.False(state.OptedOut);
        Assert.Equal(5, state.History.Count);
    }

    [Fact]
    public void A_complaint_opts_out_and_revalidation_clears_everything()
    {
        var state = new AddressState();
        AddressPolicy.Apply(state, Bounce("feedback", null, 0), Policy);
        AddressPolicy.Apply(state, Bounce("userunknown", true, 1), Policy);
        Assert.True(state.OptedOut);
        Assert.True(state.Invalid);

        AddressPolicy.Revalidate(state, T0.AddDays(2));
        Assert.False(state.OptedOut);
        Assert.False(state.Invalid);

        // Soft bounces from before the revalidation no longer count towards the limit.
        AddressPolicy.Apply(state, Bounce("mailboxfull", false, 3), Policy);
        AddressPolicy.Apply(state, Bounce("mailboxfull", false, 4), Policy);
        Assert.False(state.Invalid);
    }

    [Fact]
    public void The_same_message_is_recorded_once_and_history_is_bounded()
    {
        var state = new AddressState();
        Assert.True(AddressPolicy.Apply(state, Bounce("mailboxfull", false, 0, "k1"), Policy));
        Assert.False(AddressPolicy.Apply(state, Bounce("mailboxfull", false, 0, "k1"), Policy));
        for (var i = 0; i < 80; i++)
        {
            AddressPolicy.Apply(state, Bounce("vacation", null, i), Policy);
        }

        Assert.Equal(Policy.HistoryLength, state.History.Count);
    }
}

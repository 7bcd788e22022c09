using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class AdaptiveSessionLimitTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromMilliseconds(400);

    private static (AdaptiveSessionLimit Limit, ManualClock Clock) Start(int floor = 2, int initial = 16, int ceiling = 128)
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        return (new AdaptiveSessionLimit(new HostSessionLimits(floor, initial, ceiling, PerAccount: 5), clock), clock);
    }

    /// <summary>One round of polls at the current limit, each taking <paramref name="each"/>, all held back by the limit.</summary>
    private static void Round(AdaptiveSessionLimit limit, ManualClock clock, TimeSpan each, bool limited = true)
    {
        var polls = limit.Limit;
        for (var i = 0; i < polls; i++)
        {
            limit.Succeeded(each, limited);
        }

        clock.Advance(each);
    }

    [Fact]
    public void Quick_polls_held_back_by_the_limit_double_it_each_round_until_the_first_pushback_then_add_one_a_round()
    {
        var (limit, clock) = Start();
        Round(limit, clock, Quick);
        Assert.Equal(32, limit.Limit);
        Round(limit, clock, Quick);
        Assert.Equal(64, limit.Limit);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(44, limit.PushedBack(ServerPushback.Refused));
        Round(limit, clock, Quick);
        Assert.Equal(45, limit.Limit);
        Round(limit, clock, Quick);
        Assert.Equal(46, limit.Limit);
    }

    [Fact]
    public void A_limit_nobody_waits_for_does_not_grow()
    {
        var (limit, clock) = Start();
        for (var i = 0; i < 10; i++)
        {
            Round(limit, clock, Quick, limited: false);
        }

        Assert.Equal(16, limit.Limit);
    }

    [Fact]
    public void Polls_slowing_far_past_their_quickest_stop_the_growth_without_shrinking_it()
    {
        var (limit, clock) = Start();
        Round(limit, clock, Quick);
        Assert.Equal(32, limit.Limit);

        // Slower than twice the quickest recent average plus a second: the server is struggling.
        var slow = TimeSpan.FromSeconds(4);
        for (var i = 0; i < 5; i++)
        {
            Round(limit, clock, slow);
        }

        var held = limit.Limit;
        Assert.InRange(held, 32, 40);
        for (var i = 0; i < 5; i++)
        {
            Round(limit, clock, slow);
        }

        Assert.Equal(held, limit.Limit);

        // Quick again: growth resumes, one a round now that the first doubling phase is over.
        for (var i = 0; i < 40; i++)
        {
            Round(limit, clock, Quick);
        }

        Assert.InRange(limit.Limit, held + 1, held + 2 * 40);
    }

    [Fact]
    public void A_server_slow_for_longer_than_the_baseline_memory_is_the_new_normal_and_growth_resumes()
    {
        var (limit, clock) = Start();
        Round(limit, clock, Quick);
        var slow = TimeSpan.FromSeconds(4);
        for (var i = 0; i < 5; i++)
        {
            Round(limit, clock, slow);
        }

        var held = limit.Limit;
        clock.Advance(AdaptiveSessionLimit.BaselineMemory);
        for (var i = 0; i < 10; i++)
        {
            Round(limit, clock, slow);
        }

        Assert.True(limit.Limit > held, $"limit {limit.Limit} should have grown past {held}");
    }

    [Theory]
    [InlineData(ServerPushback.Refused)]
    [InlineData(ServerPushback.TimedOut)]
    [InlineData(ServerPushback.Reset)]
    [InlineData(ServerPushback.InUse)]
    [InlineData(ServerPushback.Busy)]
    public void Each_kind_of_pushback_shrinks_the_limit_once_a_round(ServerPushback why)
    {
        var (limit, clock) = Start(initial: 40);
        Assert.Equal(28, limit.PushedBack(why));

        // The same overload answering several sessions at once counts once.
        clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(28, limit.PushedBack(why));

        clock.Advance(AdaptiveSessionLimit.MinimumRound);
        Assert.Equal(19, limit.PushedBack(why));
        var state = limit.State;
        Assert.Equal(3, state.Pushbacks);
        Assert.Equal(why, state.LastPushback);
        Assert.Equal(clock.GetUtcNow(), state.LastCut);
    }

    [Fact]
    public void The_round_is_as_long_as_a_poll_takes_so_one_overload_of_slow_polls_cuts_once()
    {
        var (limit, clock) = Start(initial: 40);
        for (var i = 0; i < 30; i++)
        {
            limit.Succeeded(TimeSpan.FromSeconds(3), limited: false);
        }

        Assert.Equal(28, limit.PushedBack(ServerPushback.TimedOut));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(28, limit.PushedBack(ServerPushback.TimedOut));
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(19, limit.PushedBack(ServerPushback.TimedOut));
    }

    [Fact]
    public void The_limit_stays_within_its_floor_and_ceiling()
    {
        var (limit, clock) = Start(floor: 3, initial: 16, ceiling: 20);
        for (var i = 0; i < 10; i++)
        {
            Round(limit, clock, Quick);
        }

        Assert.Equal(20, limit.Limit);
        for (var i = 0; i < 20; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            limit.PushedBack(ServerPushback.Busy);
        }

        Assert.Equal(3, limit.Limit);
        Assert.Equal(new HostSessionLimits(3, 16, 20, 5), limit.Range);
    }

    [Fact]
    public void A_start_outside_the_range_is_brought_inside_it()
    {
        Assert.Equal(8, Start(floor: 2, initial: 16, ceiling: 8).Limit.Limit);
        Assert.Equal(20, Start(floor: 20, initial: 16, ceiling: 40).Limit.Limit);
    }
}

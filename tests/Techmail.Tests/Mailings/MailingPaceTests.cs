using Techmail.Mailings;
using Techmail.Tests.Support;

namespace Techmail.Tests.Mailings;

/// <summary>The <c>--rate</c> token bucket, with a clock the test moves: no wall-clock timing.</summary>
public sealed class MailingPaceTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Unpaced_it_allows_all_the_room_there_is()
    {
        var pace = new MailingPace(new ManualClock(Start));
        Assert.Equal(4000, pace.Allowance(null, 4000));
        Assert.Equal(0, pace.Allowance(null, 0));
    }

    [Fact]
    public void At_60_a_minute_it_allows_one_to_start_then_one_a_second()
    {
        var clock = new ManualClock(Start);
        var pace = new MailingPace(clock);
        Assert.Equal(1, pace.Allowance(60, 4000));
        pace.Spend(1);
        Assert.Equal(0, pace.Allowance(60, 4000));
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, pace.Allowance(60, 4000));
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, pace.Allowance(60, 4000));
        pace.Spend(1);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(3, pace.Allowance(60, 4000));
    }

    [Fact]
    public void Over_a_minute_of_ticks_it_queues_the_rate_and_no_more()
    {
        foreach (var rate in new[] { 1, 7, 60, 600, 3000 })
        {
            var clock = new ManualClock(Start);
            var pace = new MailingPace(clock);
            var queued = 0;
            // The mailing's ticks, half a second apart, each queuing all it is allowed.
            for (var tick = 0; tick <= 120; tick++)
            {
                var allowed = pace.Allowance(rate, 4000);
                pace.Spend(allowed);
                queued += allowed;
                clock.Advance(TimeSpan.FromMilliseconds(500));
            }

            // The starting recipient plus one minute's worth (a rounding can leave the last one for the next tick).
            Assert.InRange(queued, rate, rate + 1);
        }
    }

    [Fact]
    public void An_idle_spell_saves_up_at_most_five_seconds_of_the_rate()
    {
        var clock = new ManualClock(Start);
        var pace = new MailingPace(clock);
        pace.Spend(pace.Allowance(600, 4000));
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(50, pace.Allowance(600, 4000));
        // A slow rate still saves one recipient.
        var slow = new MailingPace(clock);
        slow.Spend(slow.Allowance(6, 4000));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, slow.Allowance(6, 4000));
    }

    [Fact]
    public void The_outbox_room_caps_it_and_a_restart_begins_again_from_one()
    {
        var clock = new ManualClock(Start);
        var pace = new MailingPace(clock);
        pace.Spend(pace.Allowance(6000, 4000));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(20, pace.Allowance(6000, 20));
        pace.Spend(20);
        clock.Advance(TimeSpan.FromMinutes(5));
        pace.Restart();
        Assert.Equal(1, pace.Allowance(6000, 4000));
    }
}

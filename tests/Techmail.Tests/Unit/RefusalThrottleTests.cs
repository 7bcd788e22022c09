using System.Net;
using Techmail.Silo.Http;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

/// <summary>The audit log's allowance of refusals per source and minute, with a clock the test moves.</summary>
public sealed class RefusalThrottleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_source_past_its_allowance_is_counted_and_its_next_written_refusal_says_how_many_were_left_out()
    {
        var clock = new ManualClock(T0);
        var throttle = new RefusalThrottle(clock);
        var attacker = IPAddress.Parse("203.0.113.7");
        var neighbour = IPAddress.Parse("203.0.113.8");

        for (var i = 0; i < RefusalThrottle.WrittenPerWindow; i++)
        {
            Assert.Equal((true, 0L), throttle.Admit(attacker));
        }

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal((false, 0L), throttle.Admit(attacker));
        }

        // Another address has an allowance of its own.
        Assert.Equal((true, 0L), throttle.Admit(neighbour));

        // The next minute, the first refusal written carries the count of those left out, once.
        clock.Advance(RefusalThrottle.Window);
        Assert.Equal((true, 500L), throttle.Admit(attacker));
        Assert.Equal((true, 0L), throttle.Admit(attacker));
    }

    [Fact]
    public void IPv6_sources_count_by_their_64_bit_prefix_and_mapped_IPv4_as_the_IPv4_address()
    {
        var throttle = new RefusalThrottle(new ManualClock(T0));
        for (var i = 0; i < RefusalThrottle.WrittenPerWindow; i++)
        {
            Assert.True(throttle.Admit(IPAddress.Parse($"2001:db8:1:2::{i + 1:x}")).Write);
        }

        // Another host address in the same /64 shares the spent allowance; another /64 does not.
        Assert.False(throttle.Admit(IPAddress.Parse("2001:db8:1:2:ffff::1")).Write);
        Assert.True(throttle.Admit(IPAddress.Parse("2001:db8:1:3::1")).Write);

        for (var i = 0; i < RefusalThrottle.WrittenPerWindow; i++)
        {
            Assert.True(throttle.Admit(IPAddress.Parse("192.0.2.1")).Write);
        }

        Assert.False(throttle.Admit(IPAddress.Parse("::ffff:192.0.2.1")).Write);
    }

    [Fact]
    public void Past_the_followed_sources_new_ones_share_one_allowance_and_idle_ones_are_forgotten()
    {
        var clock = new ManualClock(T0);
        var throttle = new RefusalThrottle(clock);
        for (var i = 0; i < RefusalThrottle.MaxSources; i++)
        {
            Assert.True(throttle.Admit(new IPAddress(BitConverter.GetBytes(0x0A000000 + i))).Write);
        }

        // Every address from now on is "many sources": one allowance between them all.
        for (var i = 0; i < RefusalThrottle.WrittenPerWindow; i++)
        {
            Assert.True(throttle.Admit(IPAddress.Parse($"198.51.100.{i + 1}")).Write);
        }

        Assert.False(throttle.Admit(IPAddress.Parse("198.51.100.200")).Write);

        // A minute on, the idle sources (nothing left out) are forgotten and a new source is followed on its own again.
        clock.Advance(RefusalThrottle.Window);
        for (var i = 0; i < RefusalThrottle.WrittenPerWindow; i++)
        {
            Assert.True(throttle.Admit(IPAddress.Parse("198.51.100.250")).Write);
        }

        Assert.False(throttle.Admit(IPAddress.Parse("198.51.100.250")).Write);
        Assert.True(throttle.Admit(IPAddress.Parse("198.51.100.251")).Write);
    }
}

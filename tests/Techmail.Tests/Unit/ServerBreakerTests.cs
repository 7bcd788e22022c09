using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class ServerBreakerTests
{
    private static readonly PollingLimits Limits = new() { CircuitBreakDuration = TimeSpan.FromSeconds(30), StepTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public void One_account_failing_over_and_over_never_opens_it()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var breaker = new ServerBreaker(Limits, clock);
        for (var i = 0; i < 50; i++)
        {
            breaker.Unreachable("only-one");
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryEnter(out _));
    }

    [Fact]
    public void Three_accounts_that_cannot_reach_it_open_it_until_one_probe_gets_through()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var breaker = new ServerBreaker(Limits, clock);
        breaker.Unreachable("a");
        breaker.Unreachable("b");
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.Unreachable("c");

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryEnter(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(breaker.TryEnter(out _));   // the probe
        Assert.False(breaker.TryEnter(out _));  // nobody else while it probes
        breaker.Unreachable("a");                // the probe failed: open again at once
        Assert.Equal(CircuitState.Open, breaker.State);

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.True(breaker.TryEnter(out _));
        breaker.Reached();
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryEnter(out _));
    }

    [Fact]
    public void Failures_spread_wider_than_the_window_and_a_connection_between_them_do_not_add_up()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var breaker = new ServerBreaker(Limits, clock);
        breaker.Unreachable("a");
        breaker.Unreachable("b");
        breaker.Reached();
        breaker.Unreachable("c");
        Assert.Equal(CircuitState.Closed, breaker.State);

        clock.Advance(TimeSpan.FromMinutes(2));
        breaker.Unreachable("d");
        Assert.Equal(CircuitState.Closed, breaker.State);
    }
}

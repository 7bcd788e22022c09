using Techmail.Incidents;
using Techmail.Tests.Support;

namespace Techmail.Tests.Incidents;

public sealed class SenderFloodGateTests
{
    /// <summary>A clock that moves only when the test says so.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_default_policy_is_23_messages_per_12_hours()
    {
        Assert.Equal(23, FloodPolicy.Default.MaxMessages);
        Assert.Equal(TimeSpan.FromHours(12), FloodPolicy.Default.Window);
        Assert.Equal(100_000, FloodPolicy.Default.MaxTrackedAddresses);
    }

    [Fact]
    public void Twenty_three_messages_are_admitted_and_the_twenty_fourth_is_held()
    {
        var clock = new ManualClock(Start);
        var gate = new SenderFloodGate(FloodPolicy.Default, clock);

        for (var i = 1; i <= 23; i++)
        {
            var decision = gate.Admit("loop@customer.example");
            Assert.True(decision.Admitted, $"message {i}");
            Assert.Equal(i, decision.MessagesInWindow);
            Assert.Equal(0, decision.HeldInARow);
            Assert.Null(decision.HeldUntil);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Arrived 23 minutes after the first one.
        var held = gate.Admit("loop@customer.example");
        Assert.False(held.Admitted);
        Assert.True(held.Held);
        Assert.Equal(24, held.MessagesInWindow);
        Assert.Equal(TimeSpan.FromHours(12), held.Window);
        Assert.Equal(1, held.HeldInARow);
        // The gate now remembers the 2nd to the 24th arrival; the window drops under the limit when the 2nd leaves it.
        Assert.Equal(Start + TimeSpan.FromMinutes(1) + TimeSpan.FromHours(12), held.HeldUntil);

        var againHeld = gate.Admit("loop@customer.example");
        Assert.False(againHeld.Admitted);
        Assert.Equal(2, againHeld.HeldInARow);
    }

    [Fact]
    public void A_sender_is_admitted_again_once_old_messages_slide_out_of_the_window()
    {
        var clock = new ManualClock(Start);
        var policy = new FloodPolicy { MaxMessages = 3, Window = TimeSpan.FromHours(1) };
        var gate = new SenderFloodGate(policy, clock);

        Assert.True(gate.Admit("a@x.example").Admitted);   // 08:00
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(gate.Admit("a@x.example").Admitted);   // 08:10
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(gate.Admit("a@x.example").Admitted);   // 08:20
        clock.Advance(TimeSpan.FromMinutes(10));
        var held = gate.Admit("a@x.example");              // 08:30: four within the hour
        Assert.False(held.Admitted);
        // Remembered now: 08:10, 08:20, 08:30, so two of them remain in the window when 08:10 leaves at 09:10.
        Assert.Equal(Start + TimeSpan.FromMinutes(70), held.HeldUntil);

        clock.Advance(TimeSpan.FromMinutes(39));           // 09:09, 08:10 still inside
        Assert.False(gate.Admit("a@x.example").Admitted);  // recorded at 09:09; the window is 08:20, 08:30, 09:09

        clock.Advance(TimeSpan.FromMinutes(11));           // 09:20: 08:20 has left exactly one window later
        var admitted = gate.Admit("a@x.example");
        Assert.True(admitted.Admitted);
        Assert.Equal(3, admitted.MessagesInWindow);        // 08:30, 09:09 and this one
        Assert.Equal(0, admitted.HeldInARow);
    }

    [Fact]
    public void Held_messages_count_so_a_sender_that_keeps_flooding_stays_held()
    {
        var clock = new ManualClock(Start);
        var policy = new FloodPolicy { MaxMessages = 2, Window = TimeSpan.FromMinutes(10) };
        var gate = new SenderFloodGate(policy, clock);

        gate.Admit("loop@x.example");
        gate.Admit("loop@x.example");
        // One message every 4 minutes: at any moment at least two arrived in the last 10 minutes.
        for (var i = 1; i <= 10; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(4));
            var decision = gate.Admit("loop@x.example");
            Assert.False(decision.Admitted, $"message {i} after the limit");
            Assert.Equal(i, decision.HeldInARow);
        }
    }

    [Fact]
    public void Different_addresses_are_counted_independently_and_case_is_ignored()
    {
        var clock = new ManualClock(Start);
        var gate = new SenderFloodGate(new FloodPolicy { MaxMessages = 2, Window = TimeSpan.FromHours(1) }, clock);

        Assert.True(gate.Admit("ann@x.example").Admitted);
        Assert.True(gate.Admit("ANN@X.EXAMPLE").Admitted);
        Assert.False(gate.Admit("Ann@x.example").Admitted);

        var bob = gate.Admit("bob@x.example");
        Assert.True(bob.Admitted);
        Assert.Equal(1, bob.MessagesInWindow);
        Assert.Equal(2, gate.TrackedAddresses);
    }

    [Fact]
    public void Addresses_whose_window_has_emptied_are_forgotten()
    {
        var clock = new ManualClock(Start);
        var gate = new SenderFloodGate(new FloodPolicy { MaxMessages = 5, Window = TimeSpan.FromHours(1) }, clock);

        gate.Admit("a@x.example");
        clock.Advance(TimeSpan.FromMinutes(30));
        gate.Admit("b@x.example");
        Assert.Equal(2, gate.TrackedAddresses);

        clock.Advance(TimeSpan.FromMinutes(30));           // a's only message is exactly one window old
        gate.Admit("c@x.example");
        Assert.Equal(2, gate.TrackedAddresses);            // b and c

        clock.Advance(TimeSpan.FromHours(2));
        var again = gate.Admit("a@x.example");
        Assert.Equal(1, again.MessagesInWindow);
        Assert.Equal(1, gate.TrackedAddresses);
    }

    [Fact]
    public void When_the_table_is_full_the_least_recently_seen_address_is_forgotten()
    {
        var clock = new ManualClock(Start);
        var policy = new FloodPolicy { MaxMessages = 1, Window = TimeSpan.FromDays(1), MaxTrackedAddresses = 3 };
        var gate = new SenderFloodGate(policy, clock);

        gate.Admit("a@x.example");
        gate.Admit("b@x.example");
        gate.Admit("c@x.example");
        Assert.False(gate.Admit("a@x.example").Admitted);  // a is now the most recently seen; b the least
        gate.Admit("d@x.example");                         // full: b is forgotten

        Assert.Equal(3, gate.TrackedAddresses);
        Assert.True(gate.Admit("b@x.example").Admitted);   // a fresh start, c forgotten in turn
        Assert.False(gate.Admit("a@x.example").Admitted);  // a was kept
        Assert.False(gate.Admit("b@x.example").Admitted);
        Assert.True(gate.Admit("c@x.example").Admitted);
    }

    [Fact]
    public void Concurrent_admissions_never_let_more_than_the_limit_through()
    {
        var gate = new SenderFloodGate(new FloodPolicy { MaxMessages = 23 }, new ManualClock(Start));
        var admitted = 0;
        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (gate.Admit($"sender{i % 10}@x.example").Admitted)
            {
                Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(10 * 23, admitted);
        Assert.Equal(10, gate.TrackedAddresses);
    }

    [Theory]
    [InlineData(0, 60, 10)]
    [InlineData(1, 0, 10)]
    [InlineData(1, 60, 0)]
    public void An_unusable_policy_is_refused(int maxMessages, int windowMinutes, int maxTracked)
    {
        var policy = new FloodPolicy { MaxMessages = maxMessages, Window = TimeSpan.FromMinutes(windowMinutes), MaxTrackedAddresses = maxTracked };
        Assert.Throws<ArgumentOutOfRangeException>(() => new SenderFloodGate(policy, TimeProvider.System));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_address_is_refused(string address)
    {
        var gate = new SenderFloodGate(FloodPolicy.Default, TimeProvider.System);
        Assert.Throws<ArgumentException>(() => gate.Admit(address));
    }
}

using Techmail.Intake;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class RecordedMailMemoryTests
{
    [Fact]
    public void Hands_each_message_over_once_and_keeps_mailboxes_apart()
    {
        var memory = new RecordedMailMemory(TimeProvider.System);
        var raw = "Subject: hello\r\n\r\nhi\r\n"u8.ToArray();
        Assert.True(Techmail.Polling.MessageParsing.TryParse(raw, out var parsed, out _));
        memory.Keep("acme", "support", "k", raw, parsed);

        Assert.Null(memory.Take("acme", "sales", "k"));
        var taken = memory.Take("acme", "support", "k");
        Assert.Same(raw, taken?.Raw);
        Assert.Same(parsed, taken?.Parsed);
        Assert.Null(memory.Take("acme", "support", "k"));
        Assert.Equal(0, memory.Bytes);
    }

    [Fact]
    public void Drops_the_oldest_beyond_its_capacity_and_never_holds_one_huge_message()
    {
        var memory = new RecordedMailMemory(TimeProvider.System);
        var size = (int)(RecordedMailMemory.CapacityBytes / 8);
        for (var i = 0; i < 10; i++)
        {
            memory.Keep("acme", "support", $"k{i}", new byte[size]);
        }

        Assert.True(memory.Bytes <= RecordedMailMemory.CapacityBytes);
        Assert.Null(memory.Take("acme", "support", "k0"));
        Assert.Null(memory.Take("acme", "support", "k1"));
        Assert.NotNull(memory.Take("acme", "support", "k9"));

        memory.Keep("acme", "support", "huge", new byte[(int)(RecordedMailMemory.CapacityBytes / 2)]);
        Assert.Null(memory.Take("acme", "support", "huge"));
    }

    [Fact]
    public void Mail_not_taken_within_a_minute_is_dropped_and_so_is_mail_beyond_the_message_count()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 27, 6, 0, 0, TimeSpan.Zero));
        var memory = new RecordedMailMemory(clock);
        memory.Keep("acme", "support", "early", [1]);
        clock.Advance(RecordedMailMemory.MaxAge + TimeSpan.FromSeconds(1));
        memory.Keep("acme", "support", "late", [2]);

        // Waiting for a builder on another silo, or for none: not held for ever.
        Assert.Null(memory.Take("acme", "support", "early"));
        Assert.NotNull(memory.Take("acme", "support", "late"));

        for (var i = 0; i <= RecordedMailMemory.CapacityMessages; i++)
        {
            memory.Keep("acme", "support", $"k{i}", [3]);
        }

        Assert.Equal(RecordedMailMemory.CapacityMessages, memory.Count);
        Assert.Null(memory.Take("acme", "support", "k0"));
    }

    [Fact]
    public void A_parse_it_drops_or_cannot_keep_is_disposed_and_one_taken_is_left_to_its_taker()
    {
        static MimeKit.MimeMessage Parse(string text)
        {
            Assert.True(Techmail.Polling.MessageParsing.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out var parsed, out _));
            return parsed;
        }

        // A disposed message's parts have let go of their content.
        static bool Disposed(MimeKit.MimeMessage message) => message.Body is MimeKit.MimePart { Content: null or { Stream: null } };

        var clock = new ManualClock(new DateTimeOffset(2026, 11, 27, 6, 0, 0, TimeSpan.Zero));
        var memory = new RecordedMailMemory(clock);
        var dropped = Parse("Subject: a\r\n\r\na\r\n");
        var taken = Parse("Subject: b\r\n\r\nb\r\n");
        var again = Parse("Subject: b\r\n\r\nb\r\n");
        memory.Keep("acme", "support", "a", [1], dropped);
        clock.Advance(RecordedMailMemory.MaxAge + TimeSpan.FromSeconds(1));
        memory.Keep("acme", "support", "b", [2], taken);
        memory.Keep("acme", "support", "b", [2], again);

        Assert.True(Disposed(dropped));
        Assert.True(Disposed(again));
        Assert.Same(taken, memory.Take("acme", "support", "b")?.Parsed);
        Assert.False(Disposed(taken));
        Assert.Equal("b", taken.TextBody?.Trim());
    }
}

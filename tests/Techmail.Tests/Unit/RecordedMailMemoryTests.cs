using Techmail.Intake;

namespace Techmail.Tests.Unit;

public sealed class RecordedMailMemoryTests
{
    [Fact]
    public void Hands_each_message_over_once_and_keeps_mailboxes_apart()
    {
        var memory = new RecordedMailMemory();
        var raw = new byte[] { 1, 2, 3 };
        memory.Keep("acme", "support", "k", raw);

        Assert.Null(memory.Take("acme", "sales", "k"));
        Assert.Same(raw, memory.Take("acme", "support", "k"));
        Assert.Null(memory.Take("acme", "support", "k"));
        Assert.Equal(0, memory.Bytes);
    }

    [Fact]
    public void Drops_the_oldest_beyond_its_capacity_and_never_holds_one_huge_message()
    {
        var memory = new RecordedMailMemory();
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
}

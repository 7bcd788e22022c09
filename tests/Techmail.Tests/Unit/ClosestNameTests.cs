using Techmail.Hosting;

namespace Techmail.Tests.Unit;

public sealed class ClosestNameTests
{
    private static readonly string[] Options = ["--discard", "--clear-discards", "--block-type", "--allow-type", "--poll-interval", "--tenant", "--tls"];

    [Theory]
    [InlineData("--dicard", "--discard")]
    [InlineData("--block-typ", "--block-type")]
    [InlineData("--tenatn", "--tenant")]
    [InlineData("--poll", "--poll-interval")]
    [InlineData("--frobnicate", null)]
    [InlineData("--x", null)]
    public void A_typo_finds_the_name_it_most_likely_meant_and_another_word_finds_none(string typed, string? expected) =>
        Assert.Equal(expected, ClosestName.Among(typed, Options));

    [Fact]
    public void Configuration_keys_compare_without_regard_to_case() =>
        Assert.Equal("PollBatchSize", ClosestName.Among("pollbatchsise", ["DataDirectory", "PollBatchSize"], StringComparison.OrdinalIgnoreCase));
}

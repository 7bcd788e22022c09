using Techmail.Mailboxes;

namespace Techmail.Tests.Unit;

public sealed class PollScheduleTests
{
    [Fact]
    public void First_due_times_are_stable_and_spread_over_the_interval()
    {
        var interval = TimeSpan.FromMinutes(1);
        var dues = Enumerable.Range(0, 10_000).Select(i => PollSchedule.FirstDue($"tenant/box-{i}", interval)).ToList();

        Assert.All(dues, d => Assert.InRange(d, TimeSpan.FromSeconds(5), interval));
        Assert.Equal(dues, Enumerable.Range(0, 10_000).Select(i => PollSchedule.FirstDue($"tenant/box-{i}", interval)));

        // No second of the minute may carry more than three times its fair share.
        var perSecond = dues.GroupBy(d => (int)d.TotalSeconds).Max(g => g.Count());
        Assert.True(perSecond < 3 * 10_000 / 55, $"{perSecond} mailboxes due in the same second");
    }
}

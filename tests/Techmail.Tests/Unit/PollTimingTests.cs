using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class PollTimingTests
{
    private static readonly DateTimeOffset First = new(2026, 11, 26, 12, 0, 7, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void A_tick_is_placed_on_the_schedule_it_belongs_to()
    {
        Assert.Equal(First + (3 * Minute), PollTickTracker.Scheduled(First, Minute, First + (3 * Minute) + TimeSpan.FromSeconds(2.5)));
        // A timer firing a little early still belongs to its own tick, not the previous one.
        Assert.Equal(First + (3 * Minute), PollTickTracker.Scheduled(First, Minute, First + (3 * Minute) - TimeSpan.FromMilliseconds(200)));
        Assert.Equal(First, PollTickTracker.Scheduled(First, Minute, First - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Missed_and_doubled_ticks_are_counted()
    {
        var tracker = new PollTickTracker();
        Assert.Equal(new PollTick(First, 0, false), tracker.Observe(First, Minute, First + TimeSpan.FromMilliseconds(30)));
        Assert.Equal(new PollTick(First + Minute, 0, false), tracker.Observe(First, Minute, First + Minute + TimeSpan.FromSeconds(1)));
        Assert.True(tracker.Observe(First, Minute, First + Minute + TimeSpan.FromSeconds(3)).Doubled);
        Assert.Equal(new PollTick(First + (4 * Minute), 2, false), tracker.Observe(First, Minute, First + (4 * Minute)));
        // A new period starts a new schedule: no false alarm.
        Assert.Equal(0, tracker.Observe(First, 2 * Minute, First + (10 * Minute)).Missed);
    }

    [Fact]
    public void Histogram_percentiles_are_within_a_bucket_and_survive_serialization()
    {
        var histogram = new LatenessHistogram();
        for (var i = 0; i < 990; i++)
        {
            histogram.Add(TimeSpan.FromMilliseconds(i % 50));
        }

        for (var i = 0; i < 10; i++)
        {
            histogram.Add(TimeSpan.FromSeconds(3.25 + i));
        }

        histogram.Add(TimeSpan.FromMilliseconds(-5));
        var copy = LatenessHistogram.Parse(histogram.Serialize());
        Assert.Equal(1001, copy.Count);
        Assert.Equal(TimeSpan.FromSeconds(12.25), copy.Max);
        Assert.InRange(copy.Percentile(0.5).TotalMilliseconds, 20, 40);
        Assert.InRange(copy.Percentile(0.99).TotalMilliseconds, 40, 50);
        Assert.InRange(copy.Percentile(0.995).TotalSeconds, 3.25, 8.5);
        Assert.Equal(copy.Max, copy.Percentile(1));

        var merged = new LatenessHistogram();
        merged.Merge(copy);
        merged.Merge(copy);
        Assert.Equal(2002, merged.Count);
        Assert.Throws<FormatException>(() => LatenessHistogram.Parse("12:x"));
        Assert.Throws<FormatException>(() => LatenessHistogram.Parse("99999:1"));
    }

    [Fact]
    public void Buckets_cover_every_lateness_without_gaps()
    {
        var previous = -1;
        for (var ms = 0; ms < 700_000; ms += 7)
        {
            var bucket = LatenessHistogram.BucketOf(TimeSpan.FromMilliseconds(ms));
            Assert.True(bucket >= previous && bucket - previous <= 1, $"{ms} ms went from bucket {previous} to {bucket}");
            Assert.True(TimeSpan.FromMilliseconds(ms) < LatenessHistogram.UpperEdge(bucket), $"{ms} ms is above its bucket's edge");
            previous = bucket;
        }
    }

    [Fact]
    public void Statistics_give_each_changed_minute_once()
    {
        var clock = new ManualClock(First);
        var statistics = new PollStatistics(clock);
        statistics.Started(TimeSpan.FromSeconds(1));
        statistics.Finished(succeeded: true, messages: 3);
        statistics.Skipped(PollSkip.Busy);
        statistics.Ticked(new PollTick(First, 2, false));
        var minute = Assert.Single(statistics.TakeChanged());
        Assert.Equal((1L, 3L, 1L, 2L), (minute.Polls, minute.Messages, minute.BusySkips, minute.MissedTicks));
        Assert.Empty(statistics.TakeChanged());

        clock.Advance(Minute);
        statistics.Finished(succeeded: false, messages: 0);
        var next = Assert.Single(statistics.TakeChanged());
        Assert.Equal(minute.MinuteUnix + 60, next.MinuteUnix);
        Assert.Equal(1, next.FailedPolls);
        statistics.MarkChanged([next]);
        Assert.Single(statistics.TakeChanged());
    }

    [Theory]
    [InlineData(MailFetchFailure.Authentication, 1, 1)]
    [InlineData(MailFetchFailure.Authentication, 3, 4)]
    [InlineData(MailFetchFailure.Transient, 1, 0)]
    [InlineData(MailFetchFailure.Transient, 2, 0)]
    [InlineData(MailFetchFailure.Transient, 3, 2)]
    [InlineData(MailFetchFailure.Certificate, 5, 8)]
    [InlineData(MailFetchFailure.Transient, 40, 12)]
    public void Failing_mailboxes_back_off_by_doubling_intervals(MailFetchFailure failure, int failures, int intervals)
    {
        var interval = TimeSpan.FromMinutes(5);
        var until = FailureBackoff.Until(First, interval, failures, failure);
        if (intervals == 0)
        {
            Assert.Null(until);
        }
        else
        {
            Assert.Equal(First + (interval * intervals) - TimeSpan.FromSeconds(1), until);
        }
    }

    [Fact]
    public void A_succeeding_poll_never_backs_off_and_long_intervals_keep_their_length()
    {
        Assert.Null(FailureBackoff.Until(First, Minute, 0, null));
        Assert.Equal(First + TimeSpan.FromHours(6) - TimeSpan.FromSeconds(1), FailureBackoff.Until(First, TimeSpan.FromHours(6), 9, MailFetchFailure.Transient));
    }
}

using System.Globalization;
using System.Text;

namespace Techmail.Polling;

/// <summary>
/// Counts poll lateness in fixed buckets (10 ms up to 1 s, 100 ms up to 10 s, 1 s up to 10 min, then one
/// overflow bucket), so a minute of 10,000 polls costs a few hundred integers and percentiles across silos
/// and minutes are a merge, with at most a bucket's width of error.
/// </summary>
public sealed class LatenessHistogram
{
    private const int FineBuckets = 100;      // [0, 1 s) by 10 ms
    private const int MediumBuckets = 90;     // [1 s, 10 s) by 100 ms
    private const int CoarseBuckets = 590;    // [10 s, 600 s) by 1 s
    public const int BucketCount = FineBuckets + MediumBuckets + CoarseBuckets + 1;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public TimeSpan Max { get; private set; }

    public void Add(TimeSpan lateness)
    {
        if (lateness < TimeSpan.Zero)
        {
            // A tick delivered a hair early is on time, not negatively late.
            lateness = TimeSpan.Zero;
        }

        _counts[BucketOf(lateness)]++;
        Count++;
        if (lateness > Max)
        {
            Max = lateness;
        }
    }

    public void Merge(LatenessHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        if (other.Max > Max)
        {
            Max = other.Max;
        }
    }

    /// <summary>The upper edge of the bucket holding the given quantile (0-1), capped at the true maximum.</summary>
    public TimeSpan Percentile(double quantile)
    {
        if (Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(quantile, 0, 1) * Count);
        rank = Math.Max(rank, 1);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var edge = UpperEdge(i);
                return edge < Max ? edge : Max;
            }
        }

        return Max;
    }

    /// <summary>"index:count" pairs for the non-empty buckets, then "max:milliseconds": compact and readable in SQL.</summary>
    public string Serialize()
    {
        var text = new StringBuilder();
        for (var i = 0; i < BucketCount; i++)
        {
            if (_counts[i] != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{i}:{_counts[i]},");
            }
        }

        return text.Append(CultureInfo.InvariantCulture, $"max:{(long)Max.TotalMilliseconds}").ToString();
    }

    public static LatenessHistogram Parse(string text)
    {
        var histogram = new LatenessHistogram();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = pair.IndexOf(':');
            if (colon <= 0 || !long.TryParse(pair.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException($"'{pair}' is not a lateness bucket.");
            }

            if (pair[..colon] == "max")
            {
                histogram.Max = TimeSpan.FromMilliseconds(value);
            }
            else if (int.TryParse(pair.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < BucketCount)
            {
                histogram._counts[index] += value;
                histogram.Count += value;
            }
            else
            {
                throw new FormatException($"'{pair}' is not a lateness bucket.");
            }
        }

        return histogram;
    }

    internal static int BucketOf(TimeSpan lateness)
    {
        var ms = lateness.TotalMilliseconds;
        return ms switch
        {
            < 1_000 => (int)(ms / 10),
            < 10_000 => FineBuckets + (int)((ms - 1_000) / 100),
            < 600_000 => FineBuckets + MediumBuckets + (int)((ms - 10_000) / 1_000),
            _ => BucketCount - 1,
        };
    }

    internal static TimeSpan UpperEdge(int bucket) => bucket switch
    {
        < FineBuckets => TimeSpan.FromMilliseconds((bucket + 1) * 10),
        < FineBuckets + MediumBuckets => TimeSpan.FromMilliseconds(1_000 + ((bucket - FineBuckets + 1) * 100)),
        < BucketCount - 1 => TimeSpan.FromMilliseconds(10_000 + ((bucket - FineBuckets - MediumBuckets + 1) * 1_000)),
        _ => TimeSpan.MaxValue,
    };
}

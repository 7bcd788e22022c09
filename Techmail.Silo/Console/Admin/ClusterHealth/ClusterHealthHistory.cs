namespace Techmail.Silo.WebConsole.Admin.ClusterHealth;

/// <summary>
/// The samples this silo took of the cluster's health, oldest first, for the last few hours: a fixed ring, so a
/// silo that runs for months holds the same few kilobytes. Kept in memory on purpose: the chart shows the recent past
/// of a running cluster, and Prometheus (<c>/metrics</c>) is where history that must outlive a restart belongs.
/// </summary>
public sealed class ClusterHealthHistory(int capacity = ClusterHealthHistory.DefaultCapacity)
{
    /// <summary>Six hours of one sample every 30 seconds.</summary>
    public const int DefaultCapacity = 720;

    private readonly ClusterHealthSample[] _ring = new ClusterHealthSample[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];
    private readonly Lock _lock = new();
    private int _next, _count;

    public int Capacity => _ring.Length;

    public void Add(ClusterHealthSample sample)
    {
        lock (_lock)
        {
            _ring[_next] = sample;
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
        }
    }

    /// <summary>The samples at or after <paramref name="since"/> (all when null), oldest first.</summary>
    public IReadOnlyList<ClusterHealthSample> Since(DateTimeOffset? since = null)
    {
        lock (_lock)
        {
            var samples = new List<ClusterHealthSample>(_count);
            var first = (_next - _count + _ring.Length) % _ring.Length;
            for (var i = 0; i < _count; i++)
            {
                var sample = _ring[(first + i) % _ring.Length];
                if (since is null || sample.At >= since)
                {
                    samples.Add(sample);
                }
            }

            return samples;
        }
    }
}

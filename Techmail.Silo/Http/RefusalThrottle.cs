using System.Net;
using System.Net.Sockets;

namespace Techmail.Silo.Http;

/// <summary>
/// How many refusals from one network source the audit log takes each minute. Anyone who reaches the HTTP port can
/// present garbage tokens as fast as the port answers; writing one audit row (and one warning) for each would let them
/// fill the database and bury the rows an operator looks for. The first <see cref="WrittenPerWindow"/> refusals of a
/// source in a window are written as they come; the rest are counted, and the source's next written refusal says how
/// many were left out. IPv6 sources count by /64, the block one host usually owns.
/// </summary>
public sealed class RefusalThrottle(TimeProvider time)
{
    public const int WrittenPerWindow = 30;

    /// <summary>How many sources are followed at once; past it, every new source shares one allowance.</summary>
    public const int MaxSources = 10_000;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private const string Crowd = "many sources";
    private readonly Dictionary<string, Tally> _sources = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts one refusal from <paramref name="remote"/>.
    /// </summary>
    /// <returns>
    /// Whether to write it, and how many refusals of the same source were counted but not written before it (to say
    /// so in the row written).
    /// </returns>
    public (bool Write, long LeftOut) Admit(IPAddress? remote)
    {
        var now = time.GetUtcNow();
        lock (_sources)
        {
            var source = SourceOf(remote, now);
            if (!_sources.TryGetValue(source, out var tally) || now - tally.Started >= Window)
            {
                var leftOut = tally?.LeftOut ?? 0;
                _sources[source] = new Tally(now) { Written = 1 };
                return (true, leftOut);
            }

            if (tally.Written < WrittenPerWindow)
            {
                tally.Written++;
                var leftOut = tally.LeftOut;
                tally.LeftOut = 0;
                return (true, leftOut);
            }

            tally.LeftOut++;
            return (false, 0);
        }
    }

    /// <summary>The key a source is counted under; sources past <see cref="MaxSources"/> share one.</summary>
    private string SourceOf(IPAddress? remote, DateTimeOffset now)
    {
        var source = Key(remote);
        if (_sources.ContainsKey(source) || _sources.Count < MaxSources)
        {
            return source;
        }

        // Full: forget sources whose window ended with nothing left out (nothing of theirs is owed to the log).
        foreach (var (key, tally) in _sources.Where(s => now - s.Value.Started >= Window && s.Value.LeftOut == 0).ToList())
        {
            _sources.Remove(key);
        }

        return _sources.Count < MaxSources ? source : Crowd;
    }

    private static string Key(IPAddress? remote)
    {
        if (remote is null)
        {
            return "unknown";
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if (remote.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return remote.ToString();
        }

        var bytes = remote.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private sealed class Tally(DateTimeOffset started)
    {
        public DateTimeOffset Started { get; } = started;

        public int Written { get; set; }

        public long LeftOut { get; set; }
    }
}

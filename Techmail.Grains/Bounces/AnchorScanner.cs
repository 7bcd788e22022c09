using System.Runtime.CompilerServices;
namespace Techmail.Bounces;

/// <summary>
/// Finds which of a fixed set of short literal words ("anchors") occur in a text, case-insensitively, in one
/// pass. Anchors are bucketed by their first two (ASCII, lower-cased) characters, so each text position costs a
/// table lookup and, rarely, a short comparison. Used to decide which phrase patterns are worth running.
/// </summary>
internal sealed class AnchorScanner
{
    private readonly (string Anchor, ulong Mask)[]?[] _buckets = new (string, ulong)[]?[128 * 128];

    /// <param name="anchors">Each anchor (at least two ASCII characters) with the bit mask it stands for.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public AnchorScanner(IEnumerable<(string Anchor, ulong Mask)> anchors)
    {
        var lists = new Dictionary<int, List<(string, ulong)>>();
        foreach (var (anchor, mask) in anchors)
        {
            if (anchor.Length < 2 || anchor[0] >= 128 || anchor[1] >= 128)
                throw new ArgumentException($"Anchor '{anchor}' must start with two ASCII characters.", nameof(anchors));
            var key = Key(anchor[0], anchor[1]);
            if (!lists.TryGetValue(key, out var list)) lists[key] = list = [];
            list.Add((anchor.ToLowerInvariant(), mask));
        }
        foreach (var (key, list) in lists)
            _buckets[key] = [.. list];
    }

    private static int Key(char a, char b) => (Lower(a) << 7) | Lower(b);

    private static int Lower(char c) => c is >= 'A' and <= 'Z' ? c | 0x20 : c;

    /// <summary>Calls <paramref name="hit"/> for every anchor occurrence; returns the union of their masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong Scan<TState>(ReadOnlySpan<char> text, ref TState state, HitHandler<TState> hit)
    {
        ulong found = 0;
        var last = text.Length - 1;
        for (var i = 0; i < last; i++)
        {
            var a = text[i];
            var b = text[i + 1];
            if ((a | b) >= 128) continue;
            var bucket = _buckets[Key(a, b)];
            if (bucket is null) continue;
            var rest = text[i..];
            foreach (var (anchor, mask) in bucket)
            {
                if (anchor.Length > rest.Length || !rest.StartsWith(anchor, StringComparison.OrdinalIgnoreCase)) continue;
                found |= mask;
                hit(ref state, i, mask);
            }
        }
        return found;
    }

    public delegate void HitHandler<TState>(ref TState state, int position, ulong mask);
}

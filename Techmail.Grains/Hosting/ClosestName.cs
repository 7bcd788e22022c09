namespace Techmail.Hosting;

/// <summary>
/// The known name a mistyped one most likely meant, for "did you mean" hints of the silo's configuration and the
/// admin client's options: the fewest single-character edits (insert, delete, replace, swap two neighbours), close
/// enough to be a typo rather than another word, or a known name the typed one begins.
/// </summary>
public static class ClosestName
{
    public static string? Among(string typed, IEnumerable<string> known, StringComparison comparison = StringComparison.Ordinal)
    {
        var folded = Fold(typed, comparison);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            var distance = Distance(folded, Fold(name, comparison));
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        // A third of the typed length, at least one edit: "--dicard" finds "--discard", "--frobnicate" finds nothing.
        if (best is not null && bestDistance <= Math.Max(1, folded.Length / 3))
        {
            return best;
        }

        // A name cut short ("--poll" for "--poll-interval"), when only one known name begins with it.
        var begun = known.Where(n => folded.Length >= 3 && Fold(n, comparison).StartsWith(folded, StringComparison.Ordinal)).Take(2).ToList();
        return begun.Count == 1 ? begun[0] : null;
    }

    private static string Fold(string text, StringComparison comparison) =>
        comparison is StringComparison.OrdinalIgnoreCase or StringComparison.InvariantCultureIgnoreCase ? text.ToLowerInvariant() : text;

    /// <summary>Edit distance with transpositions (optimal string alignment).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}

using System.Runtime.CompilerServices;
namespace Techmail.Bounces;

/// <summary>
/// Reads "Name: value" field groups (RFC 3464 / RFC 5965 syntax): groups are separated by blank lines and
/// values may be folded onto indented continuation lines.
/// </summary>
internal static class ReportFields
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<List<KeyValuePair<string, string>>> ReadGroups(string text)
    {
        var groups = new List<List<KeyValuePair<string, string>>>();
        var current = new List<KeyValuePair<string, string>>();
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            var line = rawLine.TrimEnd();
            if (line.IsEmpty)
            {
                if (current.Count > 0)
                {
                    groups.Add(current);
                    current = [];
                }
                continue;
            }
            if ((line[0] == ' ' || line[0] == '\t') && current.Count > 0)
            {
                var last = current[^1];
                current[^1] = new(last.Key, string.Concat(last.Value, " ", line.Trim()));
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0 || line[..colon].ContainsAny(' ', '\t')) continue;
            current.Add(new(line[..colon].ToString(), line[(colon + 1)..].Trim().ToString()));
        }
        if (current.Count > 0) groups.Add(current);
        return groups;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? Get(List<KeyValuePair<string, string>> group, string name)
    {
        foreach (var (key, value) in group)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
                return value;
        return null;
    }

    /// <summary>Strips the address-type prefix ("rfc822;") and angle brackets from a recipient field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? Address(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var semicolon = value.IndexOf(';');
        var address = (semicolon >= 0 ? value[(semicolon + 1)..] : value).Trim().Trim('<', '>', '"', ' ').Trim();
        return address.Contains('@') ? address : null;
    }

    /// <summary>The text of a typed field ("smtp; 550 ..."), without its type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? TypedText(string? value, out string? type)
    {
        type = null;
        if (value is null) return null;
        var semicolon = value.IndexOf(';');
        if (semicolon > 0 && semicolon < 24 && !value.AsSpan(0, semicolon).ContainsAny(' ', '<'))
        {
            type = value[..semicolon].Trim();
            return value[(semicolon + 1)..].Trim();
        }
        return value.Trim();
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace Techmail.MailFactory;

/// <summary>
/// The unique mark every generated message carries somewhere in its bytes, so whoever delivered it can find where it
/// ended up (an incident, a bounce, the quarantine, an acknowledgement) whatever an engine made of its headers.
/// Plain ASCII letters, digits and dashes: it survives any header, any charset and any garbage around it.
/// </summary>
public static partial class MailToken
{
    /// <summary>A token for message <paramref name="number"/> of a run named <paramref name="run"/> (letters and digits).</summary>
    public static string For(string run, int number)
    {
        if (run.Length == 0 || !run.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"run '{run}' must be ASCII letters and digits.", nameof(run));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(number);
        return $"chaos-{run.ToLowerInvariant()}-{number:D7}";
    }

    /// <summary>Every distinct token in the bytes, in order of first appearance.</summary>
    public static IReadOnlyList<string> FindAll(ReadOnlySpan<byte> raw) => FindAll(Encoding.Latin1.GetString(raw));

    /// <summary>Every distinct token in the text, in order of first appearance.</summary>
    public static IReadOnlyList<string> FindAll(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var found = new List<string>();
        foreach (Match match in Pattern().Matches(text))
        {
            if (!found.Contains(match.Value, StringComparer.Ordinal))
            {
                found.Add(match.Value);
            }
        }

        return found;
    }

    // Bounded on both sides so chaos-run-0000012 is never read inside chaos-run-00000123.
    [GeneratedRegex(@"(?<![A-Za-z0-9-])chaos-[a-z0-9]+-[0-9]{7}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

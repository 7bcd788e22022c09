using System.Text;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>
/// Reads the human-readable reports of MTAs that send no RFC 3464 part (qmail, Exim, Exchange, Domino,
/// GroupWise, Courier, provider-specific formats...). They share a shape: a preamble, then each failed address
/// on its own line (bare, in angle brackets, or followed by the reason), then the reason, then a copy of the
/// original message. So we cut at the copy, then split the text into one block per address.
/// </summary>
internal static partial class PlainTextReport
{
    // Reports state their cause near the top; bounding the text keeps a huge pasted message from costing time.
    private const int MaxReportChars = 6000;

    public static string ReportPart(string text)
    {
        var bounded = text.AsSpan(0, Math.Min(text.Length, MaxReportChars));
        var cut = CopyStart(bounded);
        return cut < 0 ? (bounded.Length == text.Length ? text : bounded.ToString()) : bounded[..cut].ToString();
    }

    /// <summary>Index of the line where the copy of the original message begins, or -1.</summary>
    public static int CopyStart(ReadOnlySpan<char> text)
    {
        var lineStart = 0;
        while (lineStart < text.Length)
        {
            var newline = text[lineStart..].IndexOf('\n');
            var lineEnd = newline < 0 ? text.Length : lineStart + newline;
            var line = text[lineStart..lineEnd];
            // Only lines whose first word could open a marker are worth the pattern.
            var word = line.TrimStart(" \t").TrimStart("-=_*").TrimStart(" \t");
            if (!word.IsEmpty && MarkerInitials.Contains(word[0]) && OriginalMessageMarker().IsMatch(line))
                return lineStart;
            lineStart = lineEnd + 1;
        }
        return -1;
    }

    private static readonly System.Buffers.SearchValues<char> MarkerInitials =
        System.Buffers.SearchValues.Create("AaBbCcFfHhMmOoRrTtUuYy-");

    /// <summary>Per-address blocks of report text, in order of first mention.</summary>
    public static List<(string Address, string Block)> Blocks(string report, HashSet<string> excluded)
    {
        var order = new List<string>();
        var blocks = new Dictionary<string, StringBuilder>(StringComparer.OrdinalIgnoreCase);
        StringBuilder? current = null;
        foreach (var rawLine in report.AsSpan().EnumerateLines())
        {
            var lineAddress = rawLine.Contains('@')
                ? RecipientOnLine(rawLine.ToString(), excluded, current is null ? null : order[^1])
                : null;
            if (lineAddress is not null)
            {
                if (!blocks.TryGetValue(lineAddress, out current))
                {
                    current = new StringBuilder();
                    blocks[lineAddress] = current;
                    order.Add(lineAddress);
                }
                else if (!order[^1].Equals(lineAddress, StringComparison.OrdinalIgnoreCase))
                {
                    // Back to an address seen before (e.g. summary list, then transcript): keep its order.
                    order.Remove(lineAddress);
                    order.Add(lineAddress);
                }
            }
            current?.Append(rawLine.Trim()).Append('\n');
        }
        var result = new List<(string, string)>(order.Count);
        foreach (var address in order)
            result.Add((address, blocks[address].ToString()));
        // Keep the first-mention order readers expect.
        result.Sort((a, b) => report.IndexOf(a.Item1, StringComparison.OrdinalIgnoreCase).CompareTo(report.IndexOf(b.Item1, StringComparison.OrdinalIgnoreCase)));
        return result;
    }

    private static string? RecipientOnLine(string line, HashSet<string> excluded, string? currentAddress)
    {
        if (line.IndexOf('@') < 0) return null;
        if (SenderLine().IsMatch(line)) return null;
        foreach (Match match in Addresses.Address().EnumerateMatchesAsMatches(line))
        {
            var address = Addresses.Normalize(match.Groups[1].Value);
            if (excluded.Contains(address)) continue;
            if (LooksLikeMessageId(line, match)) continue;
            if (IsInsideUrl(line, match.Index)) continue;
            if (currentAddress is not null && address.Equals(currentAddress, StringComparison.OrdinalIgnoreCase))
                return address;
            return address;
        }
        return null;
    }

    private static bool LooksLikeMessageId(string line, Match match)
    {
        var before = match.Index > 0 ? line[match.Index - 1] : ' ';
        var end = match.Index + match.Length;
        var after = end < line.Length ? line[end] : ' ';
        if (before == '<' && after == '>' && line.Contains("Message-ID", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool IsInsideUrl(string line, int index)
    {
        var start = line.LastIndexOf(' ', Math.Max(0, index - 1)) + 1;
        var word = line.AsSpan(start, index - start);
        return word.Contains("://", StringComparison.Ordinal) || word.Contains("mailto:", StringComparison.OrdinalIgnoreCase);
    }

    // Lines naming the sender or routing, never a failed recipient.
    [GeneratedRegex(@"^\s*(?:>+\s*)?(?:From|Reply-To|Sender|Return-Path|Envelope-From|X-\S+)\s*:|MAIL\s+FROM\s*:|envelope-from|\bfrom\s+<|^\s*from\s+\S+@|by\s+\S+\s+with\s|^\s*(?:Received|Message-Id|In-Reply-To|References)\s*:|^\s*\(?envelope|sender\s*:|original sender|orig(?:inal)?-from", RegexOptions.IgnoreCase)]
    private static partial Regex SenderLine();

    // Where the copy of the original message (or its headers) begins in a plain-text report.
    [GeneratedRegex(@"^[ \t]*(?:[-=_*]{2,}[ \t]*)?(?:(?:This is a |Below this line is a |Here is a |A )?copy of (?:the |your )?(?:original )?message|(?:The )?original (?:message|mail|e-?mail)(?: (?:was|is) (?:included|attached|below))?(?: follows| headers?| as follows)?\s*[:.-]|(?:Original|Returned|Unsent|Undelivered|Bounced|Rejected) (?:message|mail)(?: header)?s?(?: follows| below)?\s*(?:[-:.]|$)|Message headers follow|(?:The )?headers? (?:of|from) (?:the |your )?(?:original|returned) message|Original message follows|Original Message:|Your message (?:reads|follows)|----- ?Message text follows|Content-Type: message/rfc822|Forwarded message)", RegexOptions.IgnoreCase)]
    private static partial Regex OriginalMessageMarker();
}

using System.Text.RegularExpressions;
using Techmail.Incidents.Parsing;

namespace Techmail.Replies;

/// <summary>
/// The reply text of a customer's mail: what they wrote now, without the quoted history under (or between) it and
/// without their signature. Quoted history is <c>&gt;</c> quoting, an "On … wrote:" line (also wrapped over up to three
/// lines) and what follows it, Outlook's "-----Original Message-----" and From/Sent/To/Subject blocks and all below
/// them, the quote containers of HTML mail, and Techmail's own <see cref="ReplyMarker"/>. Interleaved answers keep the
/// customer's lines; forwarded messages are kept whole. A body that is nothing but history is returned whole, so an
/// entry is never empty. Pure and thread-safe.
/// </summary>
/// <remarks>
/// Outlook writes the same "-----Original Message-----" or From/Sent/To/Subject block above a forwarded message as
/// above a replied one; only the subject tells them apart. So with a subject that starts as a forward ("FW:",
/// "Fwd:", "WG:", …), those blocks are kept like any other forwarded message.
/// </remarks>
public static partial class ReplyExtractor
{
    /// <summary>The reply text of a plain-text body.</summary>
    /// <param name="subject">The mail's subject, which tells a forward from a reply; null when unknown.</param>
    public static string FromText(string text, string? subject = null) =>
        Cut(text, IsForward(subject)) is { Length: > 0 } reply ? reply : Tidy(Lines(text));

    /// <summary>The reply text of an HTML body: its quote containers go first, then the text rules apply.</summary>
    /// <param name="subject">The mail's subject, which tells a forward from a reply; null when unknown.</param>
    public static string FromHtml(string html, string? subject = null)
    {
        var forward = IsForward(subject);
        return Cut(HtmlToText.Convert(HtmlQuotes.Remove(html, forward)), forward) is { Length: > 0 } reply
            ? reply
            : Tidy(Lines(HtmlToText.Convert(html)));
    }

    /// <summary>Whether a subject starts as a forward does ("Fwd:", "FW:", "WG:", "TR:", "RV:", "I:", "Enc:", …).</summary>
    public static bool IsForward(string? subject) => subject is not null && ForwardSubject().IsMatch(subject);

    /// <summary>
    /// The reply in <paramref name="text"/> (which may hold <see cref="HtmlQuotes.Placeholder"/> lines), "" when it is
    /// nothing but history; the caller falls back to the whole body.
    /// </summary>
    /// <param name="forward">The mail is a forward: Outlook's separators and header blocks start what is forwarded.</param>
    internal static string Cut(string text, bool forward)
    {
        var (kept, forwarded) = Replies(Lines(text), forward);
        // The signature rules read the customer's own lines only: a forwarded mail keeps its signature and sign-off.
        SignatureRules.Trim(kept);
        var reply = Tidy(kept);
        var tail = string.Join('\n', forwarded).Trim('\n');
        return tail.Trim().Length == 0 ? reply : reply.Length == 0 ? tail : $"{reply}\n\n{tail}";
    }

    private static List<string> Lines(string text) =>
        [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').Select(l => l.TrimEnd())];

    /// <summary>
    /// The customer's lines, top to bottom, until the history starts for good; and a forwarded message from its marker
    /// on, kept as it is.
    /// </summary>
    private static (List<string> Kept, List<string> Forwarded) Replies(List<string> lines, bool forward)
    {
        var kept = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (QuoteHeaders.IsForwardMarker(line)
                || (forward && (QuoteHeaders.IsOriginalMessageSeparator(line) || QuoteHeaders.IsHeaderBlock(lines, i))))
            {
                return (kept, [.. lines.Skip(i)]);
            }

            if (ReplyMarker.IsMarker(line) || QuoteHeaders.IsOriginalMessageSeparator(line) || QuoteHeaders.IsHeaderBlock(lines, i))
            {
                DropTrailingRules(kept);
                break;
            }

            if (IsQuoted(line))
            {
                // Between two of the customer's answers, a quote leaves a paragraph break.
                if (kept.Count > 0 && kept[^1].Length > 0) kept.Add("");
                continue;
            }

            if (AttributionAt(lines, i) is var length and > 0)
            {
                var next = i + length;
                while (next < lines.Count && lines[next].Trim().Length == 0) next++;
                // Above a quote (the customer may answer between its lines): only the attribution goes.
                // Above the old mail written out unquoted, or nothing: the rest is history.
                if (next < lines.Count && IsQuoted(lines[next]))
                {
                    i = next - 1;
                    continue;
                }
                break;
            }

            kept.Add(line);
        }
        return (kept, []);
    }

    private static bool IsQuoted(string line)
    {
        var text = line.TrimStart();
        return text.Length > 0 && (text[0] is '>' or '＞' || (text[0] == HtmlQuotes.Placeholder && text.Trim().Length == 1));
    }

    /// <summary>How many lines (1 to 3) the attribution starting at <paramref name="start"/> has, or 0.</summary>
    private static int AttributionAt(List<string> lines, int start)
    {
        var afterBreak = start == 0 || lines[start - 1].Trim().Length == 0 || IsQuoted(lines[start - 1]);
        var last = '\0';
        for (var k = 0; k < QuoteHeaders.MaxAttributionLines && start + k < lines.Count; k++)
        {
            var line = lines[start + k].Trim();
            if (line.Length == 0 || IsQuoted(line)) break;
            // Joined and tested only when the joined lines can end as an attribution does: nearly every line of a body
            // cannot, and joining each with the lines after it was most of what reading a reply cost.
            if (QuoteHeaders.LastSignificant(line) is var end and not '\0') last = end;
            if (!QuoteHeaders.MayEndAttribution(last)) continue;
            var joined = string.Join(' ', lines.Skip(start).Take(k + 1).Select(l => l.Trim()));
            if (QuoteHeaders.IsAttribution(joined, afterBreak)) return k + 1;
        }
        return 0;
    }

    /// <summary>Drops the "____" or "-----" line clients put above the old mail.</summary>
    private static void DropTrailingRules(List<string> kept)
    {
        while (kept.Count > 0 && (kept[^1].Length == 0 || QuoteHeaders.IsRule(kept[^1]))) kept.RemoveAt(kept.Count - 1);
    }

    // Forward prefixes of the languages above, after an optional "[tag]": Fwd, FW, WG, TR, RV, I, Enc, Doorst, VS, VB, PD, …
    [GeneratedRegex(@"^\s*(\[[^\]]*\]\s*)?(Fwd?|WG|TR|RV|I|Enc|Doorst|VS|VB|PD|Пересл|Fw|转发|轉寄|転送)\s*[:：]", RegexOptions.IgnoreCase)]
    private static partial Regex ForwardSubject();

    /// <summary>Lines joined with LF, at most one blank line in a row, none at either end.</summary>
    private static string Tidy(List<string> lines)
    {
        var result = new List<string>(lines.Count);
        foreach (var line in lines)
        {
            if (line.Trim().Length == 0)
            {
                if (result.Count > 0 && result[^1].Length > 0) result.Add("");
                continue;
            }
            result.Add(line.TrimEnd());
        }
        while (result.Count > 0 && result[^1].Length == 0) result.RemoveAt(result.Count - 1);
        return string.Join('\n', result);
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>
/// Reads the human-readable reports of MTAs that send no RFC 3464 part (qmail, Exim, Exchange, Domino,
/// GroupWise, Courier, provider-specific formats...). They share a shape: a preamble, then each failed address
/// on its own line (bare, in angle brackets, or followed by the reason), then the reason, then a copy of the
/// original message. So we cut at the copy, then split the text into one block per address.
/// </summary>
internal static class PlainTextReport
{
    // Reports state their cause near the top; bounding the text keeps a huge pasted message from costing time.
    private const int MaxReportChars = 6000;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string ReportPart(string text)
    {
        var bounded = text.AsSpan(0, Math.Min(text.Length, MaxReportChars));
        var cut = CopyStart(bounded);
        var report = cut < 0 ? (bounded.Length == text.Length ? text : bounded.ToString()) : bounded[..cut].ToString();
        return WithoutProgramRecipients(report);
    }

    /// <summary>
    /// Sendmail names a recipient that is a program (a .forward or alias pipe) as the quoted command line,
    /// "|/usr/bin/procmail ...", in its prose and unquoted in the DSN's recipient fields. The words of a command are not a diagnosis: a mail filter's name in it must not
    /// read as "the mailer failed" when the report's own words say something else.
    /// </summary>
    private static string WithoutProgramRecipients(string report)
    {
        if (!report.Contains("\"|", StringComparison.Ordinal) && !report.Contains("; |", StringComparison.Ordinal)) return report;
        return ProgramRecipient().Replace(report, "\"|program\"");
    }

    /// <summary>Index of the line where the copy of the original message begins, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            // Every marker names the message or mail it precedes.
            if (!word.IsEmpty && MarkerInitials.Contains(word[0])
                && (line.Contains("messag", StringComparison.OrdinalIgnoreCase) || line.Contains("mail", StringComparison.OrdinalIgnoreCase))
                && OriginalMessageMarker().IsMatch(line))
                return lineStart;
            lineStart = lineEnd + 1;
        }
        return -1;
    }

    // Every sender/routing line pattern below contains one of these.
    private static readonly System.Buffers.SearchValues<string> SenderLineWords = System.Buffers.SearchValues.Create(
        ["from", "reply-to", "sender", "return-path", "x-", "by ", "received", "message-id", "in-reply-to", "references", "envelope", "generated"],
        StringComparison.OrdinalIgnoreCase);

    private static readonly System.Buffers.SearchValues<char> MarkerInitials =
        System.Buffers.SearchValues.Create("AaBbCcFfHhMmOoRrTtUuYy-");

    /// <summary>Per-address blocks of report text, in order of first mention.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<(string Address, string Block)> Blocks(string report, HashSet<string> excluded)
    {
        var order = new List<string>();
        var blocks = new Dictionary<string, StringBuilder>(StringComparer.OrdinalIgnoreCase);
        StringBuilder? current = null;
        foreach (var rawLine in report.AsSpan().EnumerateLines())
        {
            var lineAddress = rawLine.Contains('@')
                ? RecipientOnLine(rawLine.ToString(), excluded)
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
            else if (current is not null && StartsOtherSession(rawLine))
            {
                current = null;
                continue;
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

    /// <summary>
    /// The line printed right above an address, in the same paragraph: Lotus Notes (and some gateways) state the
    /// reason first and then the address it concerns. A line ending with ':' only introduces the list, and a rule of
    /// dashes or stars is a separator, so neither counts. Null when there is no such line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? ReasonAbove(string report, string address)
    {
        var at = report.IndexOf(address, StringComparison.OrdinalIgnoreCase);
        if (at <= 0) return null;
        var lineStart = report.LastIndexOf('\n', at) + 1;
        if (lineStart <= 1) return null;
        var previousEnd = lineStart - 1;
        var previousStart = report.LastIndexOf('\n', previousEnd - 1) + 1;
        var line = report.AsSpan(previousStart, previousEnd - previousStart).Trim();
        if (line.IsEmpty || line[^1] == ':' || line.Trim("-=_*# \t").IsEmpty) return null;
        return line.ToString();
    }

    /// <summary>
    /// Sendmail's transcript runs the recipients' sessions together: "While talking to host:" opens the next
    /// session, and a "421 host (mailer)... Deferred" line is that host's status, printed before the recipient line it
    /// belongs to. Neither is part of the recipient above.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool StartsOtherSession(ReadOnlySpan<char> line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith("While talking to ", StringComparison.OrdinalIgnoreCase)) return true;
        // "NNN host (mailer)... text"
        if (trimmed.Length < 12 || !char.IsAsciiDigit(trimmed[0]) || !char.IsAsciiDigit(trimmed[1]) || !char.IsAsciiDigit(trimmed[2]) || trimmed[3] != ' ')
            return false;
        var dots = trimmed.IndexOf(")... ", StringComparison.Ordinal);
        if (dots < 0) return false;
        var host = trimmed[4..dots];
        var open = host.IndexOf(" (", StringComparison.Ordinal);
        return open > 0 && host[..open].IndexOfAny(' ', '<') < 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? RecipientOnLine(string line, HashSet<string> excluded)
    {
        if (line.IndexOf('@') < 0) return null;
        if (line.AsSpan().IndexOfAny(SenderLineWords) >= 0 && SenderLine().IsMatch(line)) return null;
        string? first = null;
        for (var from = 0; Addresses.TryFind(line, from, out var index, out var length); from = index + length)
        {
            var address = Addresses.Normalize(line.Substring(index, length));
            if (excluded.Contains(address)) continue;
            if (LooksLikeMessageId(line, index, length)) continue;
            if (IsInsideUrl(line, index)) continue;
            // "Display name <addr>" (RFC 5322 name-addr): the bracketed address is the address.
            if (index > 0 && line[index - 1] == '<' && index + length < line.Length && line[index + length] == '>')
                return address;
            first ??= address;
        }
        return first;
    }

    private static bool LooksLikeMessageId(string line, int index, int length)
    {
        var before = index > 0 ? line[index - 1] : ' ';
        var end = index + length;
        var after = end < line.Length ? line[end] : ' ';
        if (before != '<' || after != '>') return false;
        // Only the value of a Message-ID label ("Message-ID: <...>", "Message-Id <...>"): a report may name the
        // identifier in prose and then the address it concerns ("Duplicated Message-ID in <list@dest>").
        var label = line.AsSpan(0, index - 1).TrimEnd(" \t:=");
        return label.EndsWith("Message-ID", StringComparison.OrdinalIgnoreCase);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsInsideUrl(string line, int index)
    {
        var start = line.LastIndexOf(' ', Math.Max(0, index - 1)) + 1;
        var word = line.AsSpan(start, index - start);
        return word.Contains("://", StringComparison.Ordinal) || word.Contains("mailto:", StringComparison.OrdinalIgnoreCase);
    }

    // Lines naming the sender or routing, never a failed recipient.
    private static Regex SenderLine() => _senderLine ??= new(@"^\s*\(?(?:ultimately )?generated (?:from|by)\b|^\s*(?:>+\s*)?(?:From|Reply-To|Sender|Return-Path|Envelope-From|X-\S+)\s*:|MAIL\s+FROM\s*:|envelope-from|\bfrom\s+<|^\s*from\s+\S+@|by\s+\S+\s+with\s|^\s*(?:Received|Message-Id|In-Reply-To|References)\s*:|^\s*\(?envelope|sender\s*:|original sender|orig(?:inal)?-from", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static Regex? _senderLine;

    private static Regex ProgramRecipient() => _programRecipient ??= new(@"""\|[^""\n]*""|(?<=Recipient:[ \t]*[\w-]+;[ \t]*)\|[^\n]*", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static Regex? _programRecipient;

    // Where the copy of the original message (or its headers) begins in a plain-text report.
    private static Regex OriginalMessageMarker() => _originalMessageMarker ??= new(@"^[ \t]*(?:[-=_*]{2,}[ \t]*)?(?:(?:This is a |Below this line is a |Here is a |A )?copy of (?:the |your )?(?:original )?message|(?:The )?original (?:message|mail|e-?mail)(?: (?:was|is) (?:included|attached|below))?(?: follows| headers?| as follows)?\s*[:.-]|(?:Original|Returned|Unsent|Undelivered|Bounced|Rejected) (?:message|mail)(?: header)?s?(?: follows| below)?\s*(?:[-:.]|$)|Message headers follow|(?:The )?headers? (?:of|from) (?:the |your )?(?:original|returned) message|Original message follows|Original Message:|Your message (?:reads|follows)|----- ?Message text follows|Content-Type: message/rfc822|Forwarded message)", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static Regex? _originalMessageMarker;
}

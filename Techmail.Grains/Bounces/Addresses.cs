using System.Runtime.CompilerServices;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>Finding and comparing mail addresses in report text.</summary>
internal static class Addresses
{
    /// <summary>
    /// The first address in <paramref name="text"/> at or after <paramref name="from"/>, found by looking around
    /// each '@'. Deliberately looser than RFC 5322 on the local part (reports quote addresses in odd ways) but
    /// tight on the domain, which must have a dot and a letters-only top label, so "user@localhost"-style MTA ids
    /// are skipped; an address glued to a word or to "+-=/." before it is not taken.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryFind(ReadOnlySpan<char> text, int from, out int start, out int length)
    {
        start = length = 0;
        while (from < text.Length)
        {
            var at = text[from..].IndexOf('@');
            if (at < 0) return false;
            at += from;
            if (TryAround(text, at, from, out start, out length)) return true;
            from = at + 1;
        }
        return false;
    }

    private static bool TryAround(ReadOnlySpan<char> text, int at, int from, out int start, out int length)
    {
        start = length = 0;
        // Local part: atext and dots, not ending in a dot, and not glued to a word or to "+-=/." before it.
        if (at == 0 || text[at - 1] == '.') return false;
        var s = at;
        while (s > from && (IsAtext(text[s - 1]) || text[s - 1] == '.')) s--;
        while (s < at && (text[s] == '.' || (s > 0 && IsGlue(text[s - 1])))) s++;
        if (s == at) return false;

        // Domain: dot-separated labels of letters, digits and inner hyphens, ending in a letters-only label.
        var end = at + 1;
        var bestEnd = -1;
        var labels = 0;
        while (true)
        {
            var labelStart = end;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '-')) end++;
            var label = text[labelStart..end];
            if (label.IsEmpty || label[0] == '-' || label[^1] == '-') break;
            labels++;
            var atEnd = end >= text.Length || text[end] != '.' || end + 1 >= text.Length || !char.IsAsciiLetterOrDigit(text[end + 1]);
            if (labels >= 2 && label.Length is >= 2 and <= 63 && !label.ContainsAnyExcept(AsciiLetters)
                && (end >= text.Length || !(char.IsLetterOrDigit(text[end]) || text[end] is '_' or '-')))
                bestEnd = end;
            if (atEnd) break;
            end++; // the dot
        }
        if (bestEnd < 0) return false;
        start = s;
        length = bestEnd - s;
        return true;
    }

    private static readonly System.Buffers.SearchValues<char> AsciiLetters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static bool IsAtext(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+/=?^_`{|}~-".Contains(c);

    // Characters that may not come right before an address (word characters and "+-=/.").
    private static bool IsGlue(char c) => char.IsLetterOrDigit(c) || c is '_' or '.' or '+' or '-' or '=' or '/';

    /// <summary>
    /// The raw (undecoded) value of the first header with this name. Addresses and ids are ASCII, so skipping
    /// MimeKit's decoding and address parsing loses nothing a bounce reader needs and costs far less.
    /// </summary>
    public static string? RawHeader(HeaderList headers, string field)
    {
        foreach (var header in headers)
            if (header.Field.Equals(field, StringComparison.OrdinalIgnoreCase))
                return System.Text.Encoding.UTF8.GetString(header.RawValue).Trim();
        return null;
    }

    /// <summary>Adds every address named in the headers with this name.</summary>
    public static void AddFromHeaders(HashSet<string> set, HeaderList headers, string field)
    {
        foreach (var header in headers)
        {
            if (!header.Field.Equals(field, StringComparison.OrdinalIgnoreCase)) continue;
            var value = System.Text.Encoding.UTF8.GetString(header.RawValue);
            for (var from = 0; TryFind(value, from, out var index, out var length); from = index + length)
                set.Add(Normalize(value.Substring(index, length)));
        }
    }

    /// <summary>True when the text is exactly one address with a dotted domain.</summary>
    public static bool IsMailbox(string? text) =>
        text is not null && TryFind(text, 0, out var index, out var length) && index == 0 && length == text.Length;

    /// <summary>
    /// The mailbox a recipient field names: a source route ("@relay:user@domain", RFC 5321 appendix C) is
    /// dropped, and a program delivery ("|/path/prog user@domain ...") yields the address inside it. Text
    /// with no better reading is returned as it was.
    /// </summary>
    public static string? Mailbox(string? value)
    {
        if (value is null) return null;
        var text = value.Trim();
        if (text.StartsWith('@') && text.LastIndexOf(':') is var colon and > 0) text = text[(colon + 1)..];
        if (IsMailbox(text)) return text;
        if ((text.StartsWith('|') || text.Contains(' ')) && TryFind(text, 0, out var index, out var length))
            return text.Substring(index, length);
        return text;
    }

    public static string Normalize(string address) => address.Trim().Trim('<', '>', '"', '\'', '.', ',', ';', ':').ToLowerInvariant();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? First(InternetAddressList? list)
    {
        if (list is null) return null;
        foreach (var mailbox in list.Mailboxes)
            if (!string.IsNullOrEmpty(mailbox.Address))
                return mailbox.Address;
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? FromHeaderValue(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return TryFind(value, 0, out var index, out var length) ? value.Substring(index, length) : null;
    }
}

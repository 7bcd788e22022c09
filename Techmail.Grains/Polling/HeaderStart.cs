namespace Techmail.Polling;

/// <summary>
/// Where a message's header block really starts when the file does not begin with one. Mail saved or forwarded by
/// hand often carries a line before its headers (a "---- Original email message ----" banner, an mbox "From " line,
/// a stray blank line); a strict parser refuses such a file outright although its headers are plain to see.
/// </summary>
/// <remarks>
/// Only the lines before the first header line are ever skipped, and only when there are few of them: a file that
/// starts with a header keeps its headers, so a header block hidden further down (in a body, after the blank line)
/// can never take the place of the real one.
/// </remarks>
internal static class HeaderStart
{
    /// <summary>More than any banner a mail program or an archive writes; past it the file is not a message.</summary>
    private const int MaxSkippedLines = 4;

    private const int MaxSkippedBytes = 1024;

    /// <summary>
    /// The offset of the first header line when the message starts with up to <see cref="MaxSkippedLines"/> lines that
    /// are not headers, followed by at least two header lines in a row (one line with a colon is too easily prose);
    /// 0 when the message starts with a header or no such block is found.
    /// </summary>
    public static int Find(ReadOnlySpan<byte> raw)
    {
        // A UTF-8 byte order mark, written by editors and some exports, marks the file's encoding; it is not part of
        // the message, and left in place it hides the first header's name.
        var start = raw.StartsWith<byte>([0xEF, 0xBB, 0xBF]) ? 3 : 0;
        if (IsHeaderLine(Line(raw, start))) return start;

        var offset = start;
        for (var skipped = 0; skipped <= MaxSkippedLines && offset < raw.Length && offset <= MaxSkippedBytes; skipped++)
        {
            var line = Line(raw, offset);
            if (IsHeaderLine(line))
            {
                var next = offset + LineLength(raw, offset);
                return next < raw.Length && IsHeaderLine(Line(raw, next)) ? offset : 0;
            }
            offset += LineLength(raw, offset);
        }
        return 0;
    }

    /// <summary>"Name: value" with a field name of printable ASCII other than the colon and space (RFC 5322 3.6.8).</summary>
    private static bool IsHeaderLine(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0) return false;
        foreach (var b in line[..colon])
            if (b is < 33 or > 126) return false;
        return true;
    }

    /// <summary>The line at <paramref name="offset"/> without its line end.</summary>
    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> raw, int offset)
    {
        var rest = raw[offset..];
        var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>The line at <paramref name="offset"/> with its line end (CRLF, LF or a lone CR).</summary>
    private static int LineLength(ReadOnlySpan<byte> raw, int offset)
    {
        var rest = raw[offset..];
        var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
        if (end < 0) return rest.Length;
        if (rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n') return end + 2;
        return end + 1;
    }
}

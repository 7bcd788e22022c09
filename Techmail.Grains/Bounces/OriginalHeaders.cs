using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// The headers of the returned original message: either those MimeKit already parsed (a message/rfc822 part)
/// or the text of a text/rfc822-headers part, read on demand. Only a few fields (Message-ID, Return-Path,
/// From, To) are ever looked at, so the text form is scanned for them rather than parsed as a whole.
/// </summary>
internal sealed class OriginalHeaders
{
    private readonly HeaderList? _parsed;
    private readonly string? _text;

    public OriginalHeaders(HeaderList parsed) => _parsed = parsed;

    public OriginalHeaders(string text) => _text = text;

    /// <summary>The raw (undecoded, unfolded) value of the first field with this name, or null.</summary>
    public string? this[string field] => _parsed is not null ? Addresses.RawHeader(_parsed, field) : Find(_text!, field);

    private static string? Find(string text, string field)
    {
        var span = text.AsSpan();
        var lineStart = 0;
        var inHeader = false;
        while (lineStart < span.Length)
        {
            var newline = span[lineStart..].IndexOf('\n');
            var lineEnd = newline < 0 ? span.Length : lineStart + newline;
            var line = span[lineStart..lineEnd].TrimEnd('\r');
            // Leading blank lines are tolerated; a blank line after the first field ends the header block.
            if (line.IsWhiteSpace())
            {
                if (inHeader) return null;
            }
            else
            {
                inHeader = true;
                if (line.Length > field.Length && line[field.Length] == ':' && line.StartsWith(field, StringComparison.OrdinalIgnoreCase))
                {
                    var value = line[(field.Length + 1)..].ToString();
                    // Unfold continuation lines (RFC 5322 section 2.2.3).
                    var next = lineEnd + 1;
                    while (next < span.Length && span[next] is ' ' or '\t')
                    {
                        var end = span[next..].IndexOf('\n');
                        end = end < 0 ? span.Length : next + end;
                        value += " " + span[next..end].Trim().ToString();
                        next = end + 1;
                    }
                    return value.Trim();
                }
            }
            lineStart = lineEnd + 1;
        }
        return null;
    }
}

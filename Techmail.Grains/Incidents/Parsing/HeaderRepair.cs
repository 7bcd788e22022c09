using System.Text;
using System.Text.Unicode;
using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// Header text whose charset is wrong: encoded words (RFC 2047) whose label does not match their bytes, and raw 8-bit
/// bytes in no charset at all. Each run of encoded words in one charset, and each run of raw text, is decoded as body
/// text is (<see cref="TextDecoding"/>), so a label is overridden only when it is clearly wrong. MimeKit's own decoding
/// stands whenever nothing had to be repaired.
/// </summary>
internal static partial class HeaderRepair
{
    /// <summary>The repaired value, on one line, or null when MimeKit's decoding needs no repair.</summary>
    /// <param name="hint">The message's own charset for text too short to detect (see <see cref="CharsetHint"/>).</param>
    public static string? Value(Header header, Encoding? hint = null)
    {
        var raw = header.RawValue;
        if (raw is null || raw.Length == 0) return null;
        var hasEightBit = raw.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
        if (!hasEightBit && raw.AsSpan().IndexOf("=?"u8) < 0) return null;

        var text = Encoding.Latin1.GetString(raw);
        var result = new StringBuilder(text.Length);
        var repaired = false;
        var position = 0;
        var pending = new List<byte>();
        string? pendingCharset = null;

        void Flush()
        {
            if (pending.Count == 0) return;
            result.Append(TextDecoding.Decode([.. pending], pendingCharset, out var note, hint));
            repaired |= note is not null && pendingCharset is not null;
            pending.Clear();
        }

        foreach (Match word in EncodedWord().Matches(text))
        {
            var between = text[position..word.Index];
            var charset = word.Groups["charset"].Value;
            var star = charset.IndexOf('*');
            if (star >= 0) charset = charset[..star];
            // White space between two encoded words is not part of the text (RFC 2047 6.2); the bytes of adjacent
            // words in one charset are joined first, since senders split multi-byte characters across words.
            var first = position == 0 && pending.Count == 0;
            if (first || between.Any(c => !char.IsWhiteSpace(c)))
            {
                Flush();
                AppendRaw(result, between, hint, ref repaired);
            }
            else if (!string.Equals(pendingCharset, charset, StringComparison.OrdinalIgnoreCase))
            {
                Flush();
            }
            pendingCharset = charset;
            var payload = word.Groups["text"].Value;
            var bytes = word.Groups["encoding"].Value is "B" or "b" ? Base64(payload) : QuotedPrintable(payload);
            if (bytes is null)
            {
                Flush();
                result.Append(word.Value);
                pendingCharset = null;
            }
            else
            {
                pending.AddRange(bytes);
            }
            position = word.Index + word.Length;
        }
        Flush();
        AppendRaw(result, text[position..], hint, ref repaired);
        return repaired ? HeaderText.OneLine(result.ToString()) : null;
    }

    /// <summary>Text outside encoded words: ASCII as it is, 8-bit bytes decoded as unlabelled text.</summary>
    private static void AppendRaw(StringBuilder result, string latin1, Encoding? hint, ref bool repaired)
    {
        if (latin1.Length == 0) return;
        var bytes = Encoding.Latin1.GetBytes(latin1);
        if (bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0)
        {
            result.Append(latin1);
            return;
        }
        var decoded = TextDecoding.Decode(bytes, null, out _, hint);
        // MimeKit reads raw 8-bit headers as UTF-8, else Latin-1; anything else it got wrong.
        repaired |= decoded != Encoding.UTF8.GetString(bytes) && decoded != latin1;
        result.Append(decoded);
    }

    /// <summary>
    /// The header's 8-bit text that is not UTF-8, as bytes: raw 8-bit runs and the payload of encoded words. What a
    /// message-wide charset guess is made from, since one name or subject is too short to judge alone.
    /// </summary>
    public static void CollectForeignBytes(Header header, Stream into)
    {
        var raw = header.RawValue;
        if (raw is null || raw.Length == 0) return;
        var text = Encoding.Latin1.GetString(raw);
        var position = 0;
        foreach (Match word in EncodedWord().Matches(text))
        {
            AppendForeign(Encoding.Latin1.GetBytes(text[position..word.Index]), into);
            var payload = word.Groups["text"].Value;
            var bytes = word.Groups["encoding"].Value is "B" or "b" ? Base64(payload) : QuotedPrintable(payload);
            if (bytes is not null) AppendForeign(bytes, into);
            position = word.Index + word.Length;
        }
        AppendForeign(Encoding.Latin1.GetBytes(text[position..]), into);
    }

    private static void AppendForeign(byte[] bytes, Stream into)
    {
        if (bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0) return;
        if (Utf8.IsValid(bytes)) return;
        into.Write(bytes);
        into.WriteByte((byte)'\n');
    }

    private static byte[]? Base64(string payload)
    {
        try
        {
            var padded = payload.TrimEnd('=');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] QuotedPrintable(string payload)
    {
        var bytes = new List<byte>(payload.Length);
        for (var i = 0; i < payload.Length; i++)
        {
            var c = payload[i];
            if (c == '_') bytes.Add((byte)' ');
            else if (c == '=' && i + 2 < payload.Length && Uri.IsHexDigit(payload[i + 1]) && Uri.IsHexDigit(payload[i + 2]))
            {
                bytes.Add(Convert.ToByte(payload.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.Add((byte)c);
        }
        return [.. bytes];
    }

    [GeneratedRegex(@"=\?(?<charset>[^?\s]+)\?(?<encoding>[BbQq])\?(?<text>[^?\s]*)\?=")]
    private static partial Regex EncodedWord();
}

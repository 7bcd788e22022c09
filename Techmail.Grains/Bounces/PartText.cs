using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// Decodes the beginning of a text part straight from the parsed message's buffer: transfer encoding (RFC 2045
/// base64 and quoted-printable) and charset, with LF line endings. A report states its cause near the top, so
/// only the first <see cref="MaxBytes"/> bytes are read, which bounds the cost of long pasted originals.
/// </summary>
internal static class PartText
{
    public const int MaxBytes = 16 * 1024;

    private static readonly ConcurrentDictionary<string, Encoding> Encodings = new(StringComparer.OrdinalIgnoreCase);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Decode(MimePart part)
    {
        var content = part.Content;
        if (content is null) return "";
        var stream = content.Stream;
        var transfer = content.Encoding;
        if (stream is null || !stream.CanSeek || transfer is ContentEncoding.UUEncode)
            return Fallback(part);

        // Base64 needs 4 encoded bytes for 3, plus line breaks; read enough raw bytes for MaxBytes decoded.
        var rawLimit = transfer == ContentEncoding.Base64 ? MaxBytes / 3 * 4 + MaxBytes / 38 + 8 : MaxBytes * 3 / 2;
        var raw = ArrayPool<byte>.Shared.Rent(rawLimit);
        byte[]? decoded = null;
        try
        {
            stream.Position = 0;
            var length = 0;
            int read;
            while (length < rawLimit && (read = stream.Read(raw, length, rawLimit - length)) > 0)
                length += read;

            ReadOnlySpan<byte> bytes;
            switch (transfer)
            {
                case ContentEncoding.Base64:
                    decoded = ArrayPool<byte>.Shared.Rent(length);
                    var count = DecodeBase64(raw.AsSpan(0, length), decoded);
                    if (count < 0) return Fallback(part);
                    bytes = decoded.AsSpan(0, count);
                    break;
                case ContentEncoding.QuotedPrintable:
                    decoded = ArrayPool<byte>.Shared.Rent(length);
                    bytes = decoded.AsSpan(0, DecodeQuotedPrintable(raw.AsSpan(0, length), decoded));
                    break;
                default:
                    bytes = raw.AsSpan(0, length);
                    break;
            }
            if (bytes.Length > MaxBytes) bytes = bytes[..MaxBytes];
            var text = EncodingFor(part.ContentType.Charset).GetString(bytes);
            return text.Contains('\r') ? text.Replace("\r\n", "\n").Replace('\r', '\n') : text;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            if (decoded is not null) ArrayPool<byte>.Shared.Return(decoded);
        }
    }

    /// <summary>The encoding a charset label names; UTF-8 (which also reads ASCII) when unknown or absent.</summary>
    public static Encoding EncodingFor(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset)) return Encoding.UTF8;
        var name = charset.Trim().Trim('"');
        if (Encodings.TryGetValue(name, out var known)) return known;
        // Only names that are encodings are remembered, a finite set: the labels mail brings are anyone's to invent,
        // and remembering each unknown one would grow this for good with every crafted message.
        try { return Encodings.GetOrAdd(name, Encoding.GetEncoding(name)); }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException) { return Encoding.UTF8; }
    }

    /// <summary>Charset labels remembered; for tests.</summary>
    internal static int RememberedCharsets => Encodings.Count;

    /// <summary>Base64 with line breaks and other white space skipped; -1 when the data is not base64.</summary>
    private static int DecodeBase64(ReadOnlySpan<byte> raw, byte[] output)
    {
        var chars = ArrayPool<char>.Shared.Rent(raw.Length);
        try
        {
            var n = 0;
            foreach (var b in raw)
                if (b > ' ') chars[n++] = (char)b;
            n -= n % 4; // a cut in mid-quantum: decode the whole quanta before it
            while (n > 0 && chars[n - 1] == '=' && n % 4 != 0) n--;
            return Convert.TryFromBase64Chars(chars.AsSpan(0, n), output, out var written) ? written : -1;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static int DecodeQuotedPrintable(ReadOnlySpan<byte> raw, byte[] output)
    {
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b != '=')
            {
                output[n++] = b;
                continue;
            }
            // Soft line break: "=" at the end of a line (optionally followed by trailing white space).
            var j = i + 1;
            while (j < raw.Length && raw[j] is (byte)' ' or (byte)'\t') j++;
            if (j < raw.Length && raw[j] is (byte)'\r' or (byte)'\n')
            {
                i = raw[j] == '\r' && j + 1 < raw.Length && raw[j + 1] == '\n' ? j + 1 : j;
                continue;
            }
            if (i + 2 < raw.Length && HexValue(raw[i + 1]) is var hi and >= 0 && HexValue(raw[i + 2]) is var lo and >= 0)
            {
                output[n++] = (byte)(hi << 4 | lo);
                i += 2;
                continue;
            }
            output[n++] = b;
        }
        return n;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };

    private static string Fallback(MimePart part)
    {
        var text = part is TextPart textPart ? textPart.Text : "";
        if (text.Length > MaxBytes) text = text[..MaxBytes];
        return text.Contains('\r') ? text.Replace("\r\n", "\n").Replace('\r', '\n') : text;
    }
}

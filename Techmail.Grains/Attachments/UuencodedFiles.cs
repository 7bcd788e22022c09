using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using Techmail.Incidents.Parsing;

namespace Techmail.Attachments;

/// <summary>
/// Files uuencoded into a plain-text body ("begin 644 name" ... "end"), as older mail programs, scripts and some
/// gateways still attach them; GNU's "begin-base64" form too. They are files of the message like MIME attachments, so
/// screening applies the attachment rules to them and intake stores them, and the body is the text around them.
/// </summary>
internal static partial class UuencodedFiles
{
    /// <summary>The body without its uuencoded blocks, and the files they hold.</summary>
    public sealed record Split(DecodedText Text, IReadOnlyList<MimePart> Files);

    /// <summary>Null when the part holds no complete uuencoded block (a "begin" line alone is prose).</summary>
    public static Split? Of(DecodedText text)
    {
        if (!text.Part.IsPlain) return null;
        var bytes = text.Bytes;
        if (!MayHoldBlock(bytes)) return null;

        // Latin-1 maps byte for byte, so offsets in the string are offsets in the bytes; the blocks themselves are ASCII.
        var content = Encoding.Latin1.GetString(bytes);
        var files = new List<MimePart>();
        var kept = new MemoryStream(bytes.Length);
        var position = 0;
        foreach (Match begin in BeginLine().Matches(content))
        {
            if (begin.Index < position) continue;
            var block = ReadBlock(content, begin, out var blockEnd);
            if (block is null) continue;
            kept.Write(bytes, position, begin.Index - position);
            files.Add(File(begin.Groups["name"].Value.Trim(), block));
            position = blockEnd;
        }
        if (files.Count == 0) return null;
        kept.Write(bytes, position, bytes.Length - position);

        // The text around the blocks is read as the part says (its charset, format=flowed), and is as damaged as it was.
        return new Split(new DecodedText(text.Part, kept.ToArray(), text.Damaged), files);
    }

    /// <summary>
    /// Whether a block can be there at all: a "begin" at the start of a line and an "end" or "====" line after it. Most
    /// text has neither, and is spared the scan.
    /// </summary>
    private static bool MayHoldBlock(byte[] bytes)
    {
        var span = bytes.AsSpan();
        var begin = span.StartsWith("begin"u8) ? 0 : span.IndexOf("\nbegin"u8);
        if (begin < 0) return false;
        var after = span[begin..];
        return after.IndexOf("\nend"u8) >= 0 || after.IndexOf("\n===="u8) >= 0;
    }

    /// <summary>The decoded bytes of the block starting at <paramref name="begin"/>, or null when it is not a whole block.</summary>
    private static byte[]? ReadBlock(string content, Match begin, out int blockEnd)
    {
        var base64 = begin.Groups["base64"].Success;
        var position = begin.Index + begin.Length;
        var decoded = new MemoryStream();
        var encoded = new StringBuilder();
        blockEnd = 0;
        while (position < content.Length)
        {
            var lineEnd = content.IndexOf('\n', position);
            var next = lineEnd < 0 ? content.Length : lineEnd + 1;
            var line = content[position..(lineEnd < 0 ? content.Length : lineEnd)].TrimEnd('\r');
            position = next;
            if (!base64 && line.TrimEnd() == "end" || base64 && line.TrimEnd() == "====")
            {
                blockEnd = position;
                if (!base64) return decoded.ToArray();
                try
                {
                    return Convert.FromBase64String(encoded.ToString());
                }
                catch (FormatException)
                {
                    return null;
                }
            }
            if (base64)
            {
                if (!Base64Line().IsMatch(line)) return null;
                encoded.Append(line.Trim());
            }
            else if (!DecodeLine(line, decoded))
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>One uuencoded line: a length character, then four characters for every three bytes.</summary>
    private static bool DecodeLine(string line, MemoryStream output)
    {
        if (line.Length == 0) return true;
        var length = (line[0] - 32) & 63;
        if (line[0] < 32 || line[0] > 96) return false;
        var written = 0;
        for (var i = 1; written < length; i += 4)
        {
            int Sextet(int at) => at < line.Length ? (line[at] - 32) & 63 : 0;
            if (i < line.Length && (line[i] < 32 || line[i] > 96)) return false;
            var (a, b, c, d) = (Sextet(i), Sextet(i + 1), Sextet(i + 2), Sextet(i + 3));
            byte[] three = [(byte)(a << 2 | b >> 4), (byte)(b << 4 | c >> 2), (byte)(c << 6 | d)];
            var take = Math.Min(3, length - written);
            output.Write(three, 0, take);
            written += take;
            if (i > line.Length + 4) return false;
        }
        return true;
    }

    private static MimePart File(string name, byte[] content)
    {
        string mimeType;
        try
        {
            mimeType = MimeTypes.GetMimeType(name);
        }
        catch (ArgumentException)
        {
            mimeType = "application/octet-stream";
        }
        var slash = mimeType.IndexOf('/');
        return new MimePart(mimeType[..slash], mimeType[(slash + 1)..])
        {
            Content = new MimeContent(new MemoryStream(content)),
            FileName = name,
        };
    }

    // At the start of a line: "begin", a Unix mode of three or four octal digits, a name.
    [GeneratedRegex(@"(?m)^begin(?<base64>-base64)? [0-7]{3,4} (?<name>[^\r\n]+)\r?\n")]
    private static partial Regex BeginLine();

    [GeneratedRegex(@"^[A-Za-z0-9+/=]*\s*$")]
    private static partial Regex Base64Line();
}

using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>The decoded bytes of a MIME part, as much of them as can be recovered.</summary>
internal static class PartContent
{
    /// <param name="damaged">Set when the content could only be read in part.</param>
    public static byte[] Decode(MimePart part, out bool damaged)
    {
        damaged = false;
        var content = part.Content;
        if (content?.Stream is null) return [];

        if (content.Encoding == ContentEncoding.Base64)
        {
            var encoded = ReadAll(content.Stream, out damaged);
            var decoded = LenientBase64.Decode(encoded, out var complete);
            damaged |= !complete;
            return decoded;
        }

        var output = new MemoryStream();
        try
        {
            if (content.Stream.CanSeek) content.Stream.Position = 0;
            content.DecodeTo(output);
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            // Keep whatever was decoded before the failure: a cut-off attachment is more use than none.
            damaged = true;
        }
        return output.ToArray();
    }

    private static byte[] ReadAll(Stream stream, out bool damaged)
    {
        damaged = false;
        var output = new MemoryStream();
        try
        {
            if (stream.CanSeek) stream.Position = 0;
            stream.CopyTo(output);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException)
        {
            damaged = true;
        }
        return output.ToArray();
    }
}

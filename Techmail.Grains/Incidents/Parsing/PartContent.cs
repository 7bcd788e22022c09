using System.Buffers;
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
            var encoded = ReadPooled(content.Stream, out var length, out damaged);
            try
            {
                var decoded = LenientBase64.Decode(encoded.AsSpan(0, length), out var complete);
                damaged |= !complete;
                return decoded;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(encoded);
            }
        }

        // Sized for the encoded length, which decoding never exceeds, so the stream does not regrow for large parts.
        var output = new MemoryStream(content.Stream.CanSeek ? (int)Math.Min(content.Stream.Length, int.MaxValue / 2) : 0);
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

    /// <summary>The stream's bytes in a pooled buffer (return it), as many as could be read.</summary>
    private static byte[] ReadPooled(Stream stream, out int length, out bool damaged)
    {
        damaged = false;
        length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue / 2) + 1 : 64 * 1024);
        try
        {
            if (stream.CanSeek) stream.Position = 0;
            int read;
            while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException)
        {
            damaged = true;
        }
        return buffer;
    }
}

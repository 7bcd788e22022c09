using System.Text;

namespace Techmail.MailFactory;

/// <summary>
/// Writes a message byte by byte, with nothing checked or repaired: hostile mail must come out exactly as written,
/// which no MIME library would let happen.
/// </summary>
internal sealed class RawWriter
{
    private readonly MemoryStream _bytes = new();

    /// <summary>Text as UTF-8 (ASCII for every ordinary line), with no line ending.</summary>
    public RawWriter Text(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        _bytes.Write(bytes);
        return this;
    }

    public RawWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    /// <summary>A line ended by CRLF, as the wire format wants.</summary>
    public RawWriter Line(string text = "") => Text(text).Text("\r\n");

    public byte[] ToArray() => _bytes.ToArray();
}

using MimeKit;

namespace Techmail.Polling;

/// <summary>Messages as they travel: CRLF line ends whatever the platform, so stored bytes are the bytes sent or received.</summary>
public static class WireFormat
{
    /// <summary>Shared and never changed after this point.</summary>
    public static FormatOptions Options { get; } = new() { NewLineFormat = NewLineFormat.Dos };

    public static byte[] Bytes(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(Options, buffer);
        return buffer.ToArray();
    }
}

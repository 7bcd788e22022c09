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

    /// <summary>A message of these headers and this body, as <see cref="MimeMessage.WriteTo(FormatOptions, Stream, CancellationToken)"/> writes one.</summary>
    public static byte[] Bytes(HeaderList headers, MimeEntity body)
    {
        using var buffer = new MemoryStream();
        var all = new HeaderList();
        foreach (var header in headers.Concat(body.Headers))
        {
            all.Add(header);
        }

        // The list ends with the blank line that separates it from the body.
        all.WriteTo(Options, buffer);
        body.WriteTo(Options, buffer, contentOnly: true);
        return buffer.ToArray();
    }
}

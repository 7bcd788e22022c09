using System.Diagnostics.CodeAnalysis;
using MimeKit;

namespace Techmail.Polling;

/// <summary>The one parse of raw mail that screening, intake, reprocessing and `message inspect` all use.</summary>
public static class MessageParsing
{
    /// <summary>Parses without ever throwing: a message that cannot be read says why instead.</summary>
    public static bool TryParse(byte[] raw, [NotNullWhen(true)] out MimeMessage? message, out string problem)
    {
        message = null;
        problem = "";
        if (raw.Length == 0)
        {
            problem = "the message is empty";
            return false;
        }

        try
        {
            // Persistent: parts point into the raw bytes instead of copying them, which matters for large
            // attachments. The stream wraps a managed array, so it needs no disposing and stays valid.
            // A banner or stray line before the headers (see HeaderStart) is passed over rather than refused.
            var start = HeaderStart.Find(raw);
            var stream = new MemoryStream(raw, start, raw.Length - start, writable: false);
            message = MimeMessage.Load(stream, persistent: true);
        }
        catch (Exception e) when (e is FormatException or ParseException or InvalidOperationException or ArgumentException)
        {
            problem = $"cannot be parsed as a message: {Faults.Faults.Summary(e)}";
            return false;
        }

        if (message.Headers.Count == 0)
        {
            problem = "cannot be parsed as a message: no header lines";
            message = null;
            return false;
        }

        return true;
    }
}

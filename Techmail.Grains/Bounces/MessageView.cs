using System.Text;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// The parts of a message a bounce reader cares about, gathered in one walk so no reader re-parses
/// or decodes anything twice. The returned original message is located but never decoded.
/// </summary>
internal sealed class MessageView
{
    public required MimeMessage Message { get; init; }

    /// <summary>Human-readable report text (all text parts before the returned message), LF line endings.</summary>
    public string HumanText { get; private set; } = "";

    /// <summary>The machine-readable RFC 3464 fields, when the report carries a delivery-status part.</summary>
    public string? DeliveryStatus { get; private set; }

    /// <summary>The machine-readable RFC 5965 fields, when the report is an abuse/feedback report.</summary>
    public string? FeedbackReport { get; private set; }

    /// <summary>Headers of the returned original message, if the report attached them as MIME.</summary>
    public HeaderList? OriginalHeaders { get; private set; }

    public string ReportType { get; private set; } = "";

    public static MessageView Create(MimeMessage message)
    {
        var view = new MessageView { Message = message };
        if (message.Body is MultipartReport report)
            view.ReportType = report.ReportType ?? "";
        var text = new StringBuilder();
        view.Walk(message.Body, text, depth: 0);
        view.HumanText = text.ToString();
        return view;
    }

    private void Walk(MimeEntity? entity, StringBuilder text, int depth)
    {
        switch (entity)
        {
            case null:
                return;
            case Multipart multipart:
                // A deep tree is a forwarded conversation, not a report; stop before it costs us.
                if (depth > 6) return;
                if (multipart.Count == 0)
                {
                    // The boundary never matched (mangled by a relay): the whole report is in the preamble.
                    text.Append(Normalize(multipart.Preamble ?? "")).Append('\n').Append(Normalize(multipart.Epilogue ?? "")).Append('\n');
                    return;
                }
                foreach (var child in multipart)
                    Walk(child, text, depth + 1);
                return;
            case MessagePart attached:
                // The returned message: keep its headers for Message-ID/sender, never its body.
                if (attached.Message is { } inner && OriginalHeaders is null)
                    OriginalHeaders = inner.Headers;
                return;
            case MimePart part:
                ReadPart(part, text);
                return;
        }
    }

    private void ReadPart(MimePart part, StringBuilder text)
    {
        var type = part.ContentType;
        if (type.IsMimeType("message", "delivery-status") || type.IsMimeType("message", "global-delivery-status"))
        {
            // One part per recipient group is legal too; keep them all.
            DeliveryStatus = DeliveryStatus is null ? DecodeText(part) : DeliveryStatus + "\n\n" + DecodeText(part);
            return;
        }
        if (type.IsMimeType("message", "feedback-report"))
        {
            FeedbackReport ??= DecodeText(part);
            return;
        }
        if (type.IsMimeType("text", "rfc822-headers") || type.IsMimeType("text", "rfc822-header"))
        {
            OriginalHeaders ??= ParseHeaders(DecodeText(part));
            return;
        }
        if (part.IsAttachment && !type.IsMimeType("text", "plain"))
            return;
        if (type.IsMimeType("text", "plain") || type.IsMimeType("text", "html"))
        {
            // Some MTAs label the delivery-status as text/plain; treat it as the report it is.
            var content = DecodeText(part);
            if (type.IsMimeType("text", "html"))
            {
                if (text.Length > 0) return; // the plain alternative already said it
                content = HtmlText.Strip(content);
            }
            text.Append(content).Append('\n');
        }
    }

    // A report states its cause near the top; the rest of a long part is the returned message.
    private const int MaxPartBytes = 16 * 1024;

    private static string DecodeText(MimePart part)
    {
        if (part.Content is null) return "";
        if (part is TextPart textPart && part.Content.Stream is { CanSeek: true, Length: <= MaxPartBytes })
            return Normalize(textPart.Text);
        // Large or unknown-length part: decode only its beginning.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxPartBytes);
        try
        {
            var length = 0;
            using (var stream = part.Content.Open())
            {
                int read;
                while (length < MaxPartBytes && (read = stream.Read(buffer, length, MaxPartBytes - length)) > 0)
                    length += read;
            }
            Encoding encoding = Encoding.UTF8;
            if (part.ContentType.Charset is not null)
            {
                try { encoding = part.ContentType.CharsetEncoding ?? Encoding.UTF8; }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException) { }
            }
            return Normalize(encoding.GetString(buffer, 0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Normalize(string text) =>
        text.Contains('\r') ? text.Replace("\r\n", "\n").Replace('\r', '\n') : text;

    private static HeaderList? ParseHeaders(string text)
    {
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.TrimStart() + "\n\n"));
            return HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

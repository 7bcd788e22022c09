using System.Runtime.CompilerServices;
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
    public OriginalHeaders? OriginalHeaders { get; private set; }

    public string ReportType { get; private set; } = "";

    /// <summary>The first attached message (message/rfc822), parsed but not decoded.</summary>
    public MimeMessage? AttachedMessage { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                {
                    OriginalHeaders = new OriginalHeaders(inner.Headers);
                    AttachedMessage = inner;
                }
                return;
            case MimePart part:
                ReadPart(part, text);
                return;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            OriginalHeaders ??= new OriginalHeaders(DecodeText(part));
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

    private static string DecodeText(MimePart part) => PartText.Decode(part);

    private static string Normalize(string text) =>
        text.Contains('\r') ? text.Replace("\r\n", "\n").Replace('\r', '\n') : text;

}

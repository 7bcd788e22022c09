using MimeKit;
using Techmail.Polling;
using MimeKit.Cryptography;
using MimeKit.Tnef;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// Walks a message's MIME tree once and sorts what it finds into body text and attachments. Every part is read on
/// its own: a part that cannot be decoded becomes a note and, where possible, an attachment of what was recovered,
/// instead of costing the whole message.
/// </summary>
internal sealed class MessageContent
{
    /// <summary>Far beyond any real mail (a few levels); deeper trees are built to exhaust parsers.</summary>
    public const int MaxDepth = 32;

    private readonly List<TextCandidate> _texts = [];
    private readonly List<TextCandidate> _tnefTexts = [];
    private readonly List<AttachmentDraft> _attachments = [];
    private readonly List<string> _notes = [];
    private bool _depthNoted;

    public IReadOnlyList<AttachmentDraft> Attachments => _attachments;

    public IReadOnlyList<string> Notes => _notes;

    public static MessageContent Of(MimeMessage message)
    {
        var content = new MessageContent();
        content.Visit(message.Body, depth: 0, inAlternative: false, fromTnef: false);
        return content;
    }

    /// <summary>
    /// The message's own text parts first, TNEF's only when the message has none. Plain text wins over HTML
    /// (it is what the sender's program wrote for text readers); parts that hold nothing but white space are passed
    /// over, since some programs send an empty text/plain beside the real HTML.
    /// </summary>
    public string BodyText()
    {
        foreach (var candidates in new[] { _texts, _tnefTexts })
        {
            var useful = candidates.Where(t => !string.IsNullOrWhiteSpace(t.Text)).ToList();
            if (useful.Count == 0) continue;
            var isHtml = !useful.Exists(t => !t.IsHtml);
            var chosen = useful.Where(t => t.IsHtml == isHtml).ToList();
            // After the first, only parts outside multipart/alternative belong to the body: Apple Mail splits a
            // body around inline images into several parts, while alternatives repeat the same text.
            var parts = chosen.Take(1).Concat(chosen.Skip(1).Where(t => !t.InAlternative));
            return string.Join("\n\n", parts.Select(t => isHtml ? ConvertHtml(t.Text) : t.Text.Trim('\n')).Where(t => t.Length > 0))
                .TrimEnd();
        }
        return "";
    }

    private string ConvertHtml(string html)
    {
        try
        {
            return HtmlToText.Convert(html);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _notes.Add($"the HTML body could not be converted cleanly ({e.GetType().Name}); tags were stripped instead");
            return Bounces.HtmlText.Strip(html).Trim();
        }
    }

    private void Visit(MimeEntity? entity, int depth, bool inAlternative, bool fromTnef)
    {
        if (entity is null) return;
        if (depth > MaxDepth)
        {
            if (!_depthNoted) _notes.Add($"parts nested deeper than {MaxDepth} levels were not read");
            _depthNoted = true;
            return;
        }

        try
        {
            switch (entity)
            {
                case MultipartSigned signed:
                    // The signature is for mail programs to check, not a file the customer sent.
                    if (signed.Count > 0) Visit(signed[0], depth + 1, inAlternative, fromTnef);
                    break;
                case Multipart multipart:
                    var alternative = inAlternative || multipart.ContentType.IsMimeType("multipart", "alternative");
                    foreach (var child in multipart)
                        Visit(child, depth + 1, alternative, fromTnef);
                    break;
                case TextRfc822Headers headers:
                    AddHeaders(headers);
                    break;
                case MessagePart messagePart:
                    AddMessage(messagePart);
                    break;
                case TnefPart tnef when !fromTnef:
                    AddTnef(tnef, depth);
                    break;
                case TextPart text when IsBodyText(text, fromTnef):
                    AddText(text, inAlternative, fromTnef);
                    break;
                case MimePart part:
                    AddAttachment(part, fromTnef);
                    break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _notes.Add($"a {entity.ContentType.MimeType} part could not be read ({e.GetType().Name}) and was left out");
        }
    }

    /// <summary>
    /// Plain or HTML text not sent as an attachment. TNEF lists the body it carries as attachments named body.txt
    /// and body.html, so those count as body too.
    /// </summary>
    private static bool IsBodyText(TextPart text, bool fromTnef)
    {
        if (!text.IsPlain && !text.IsHtml) return false;
        if (fromTnef && text.FileName is "body.txt" or "body.html") return true;
        return !text.IsAttachment;
    }

    private void AddText(TextPart part, bool inAlternative, bool fromTnef)
    {
        var bytes = PartContent.Decode(part, out var damaged);
        if (damaged) _notes.Add($"a {part.ContentType.MimeType} body part is damaged; the readable beginning was kept");
        var text = TextDecoding.Decode(bytes, part.ContentType.Charset, out var note);
        if (note is not null) _notes.Add(note);
        if (part.IsFlowed)
        {
            var deleteSpace = part.ContentType.Parameters.TryGetValue("delsp", out string? delsp)
                && delsp is not null && delsp.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase);
            text = TextDecoding.Unflow(text, deleteSpace);
        }
        (fromTnef ? _tnefTexts : _texts).Add(new TextCandidate(text, part.IsHtml, inAlternative));
    }

    private void AddAttachment(MimePart part, bool fromTnef = false)
    {
        var content = PartContent.Decode(part, out var damaged);
        var name = SafeFileName(part);
        var draft = new AttachmentDraft(
            name,
            fromTnef ? TnefMimeType(part, name) : part.ContentType.MimeType.ToLowerInvariant(),
            content,
            IsInline(part),
            string.IsNullOrWhiteSpace(part.ContentId) ? null : part.ContentId.Trim());
        _attachments.Add(draft);
        if (damaged)
            _notes.Add($"attachment {draft.ProposedName ?? $"#{_attachments.Count}"} is damaged; the {content.Length} bytes that could be decoded were kept");
    }

    /// <summary>
    /// TNEF usually stores a file without its MIME type, so MimeKit labels it application/octet-stream; the file
    /// name is then the only evidence of what it is, and the type rules of a mailbox (allow .pdf, block .exe) need it.
    /// </summary>
    private static string TnefMimeType(MimePart part, string? name)
    {
        var declared = part.ContentType.MimeType.ToLowerInvariant();
        if (declared != "application/octet-stream" || name is null) return declared;
        try
        {
            return MimeTypes.GetMimeType(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return declared;
        }
    }

    /// <summary>A forwarded message, kept whole as the bytes of an .eml file.</summary>
    private void AddMessage(MessagePart part)
    {
        var content = new MemoryStream();
        // CRLF whatever the platform: an .eml file holds the message as it travelled.
        part.Message?.WriteTo(WireFormat.Options, content);
        var name = SafeFileName(part) ?? part.Message?.Subject;
        _attachments.Add(new AttachmentDraft(
            string.IsNullOrWhiteSpace(name) ? null : name,
            "message/rfc822",
            content.ToArray(),
            Inline: false,
            ContentId: null));
    }

    /// <summary>
    /// The returned headers of a delivery report: MimeKit reads them as a message, but they are only a header block,
    /// not a mail to open, so they keep their own type and the bytes they came as.
    /// </summary>
    private void AddHeaders(TextRfc822Headers part)
    {
        var content = new MemoryStream();
        part.Message?.Headers.WriteTo(WireFormat.Options, content);
        // HeaderList.WriteTo ends the block with the blank line that would separate a body; the part holds no body.
        var bytes = content.ToArray();
        if (bytes.AsSpan().EndsWith("\r\n"u8)) bytes = bytes[..^2];
        _attachments.Add(new AttachmentDraft(
            SafeFileName(part),
            part.ContentType.MimeType.ToLowerInvariant(),
            bytes,
            Inline: false,
            ContentId: null));
    }

    /// <summary>
    /// Outlook's winmail.dat: its files become attachments and its body is kept in case the message has none.
    /// When it cannot be unpacked, or holds nothing, it stays an attachment so nothing the customer sent is lost.
    /// </summary>
    private void AddTnef(TnefPart tnef, int depth)
    {
        MessageContent unpacked;
        try
        {
            unpacked = new MessageContent();
            unpacked.Visit(tnef.ConvertToMessage().Body, depth + 1, inAlternative: false, fromTnef: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _notes.Add($"winmail.dat could not be unpacked ({e.GetType().Name}); it is kept as it is");
            AddAttachment(tnef);
            return;
        }

        if (unpacked._tnefTexts.Count == 0 && unpacked._attachments.Count == 0)
        {
            _notes.Add("winmail.dat holds nothing that could be unpacked; it is kept as it is");
            AddAttachment(tnef);
            return;
        }
        _tnefTexts.AddRange(unpacked._tnefTexts);
        _attachments.AddRange(unpacked._attachments);
        _notes.AddRange(unpacked._notes);
    }

    private static string? SafeFileName(MimeEntity entity)
    {
        try
        {
            var name = entity switch
            {
                MimePart part => part.FileName,
                _ => entity.ContentDisposition?.FileName ?? entity.ContentType.Name,
            };
            return string.IsNullOrWhiteSpace(name) ? null : name;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Inline when the sender said so, or when the part has a Content-ID and no disposition at all: that is how
    /// many programs attach the images an HTML body shows through "cid:" links.
    /// </summary>
    private static bool IsInline(MimePart part)
    {
        var disposition = part.ContentDisposition?.Disposition;
        if (disposition is not null)
            return disposition.Equals(ContentDisposition.Inline, StringComparison.OrdinalIgnoreCase);
        return !string.IsNullOrWhiteSpace(part.ContentId);
    }

    private sealed record TextCandidate(string Text, bool IsHtml, bool InAlternative);
}

/// <summary>An attachment before it is named and hashed.</summary>
internal sealed record AttachmentDraft(string? ProposedName, string MimeType, byte[] Content, bool Inline, string? ContentId);

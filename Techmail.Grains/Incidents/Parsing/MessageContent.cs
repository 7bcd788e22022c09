using MimeKit;
using MimeKit.Tnef;
using Techmail.Attachments;
using Techmail.Polling;
using Techmail.Replies;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// Walks a message's MIME tree once and sorts what it finds into body text and attachments, by the same reading of
/// the parts that screening applies its rules to (<see cref="MessageFileWalker"/>). Every part is read on its own: a
/// part that cannot be decoded becomes a note and, where possible, an attachment of what was recovered, instead of
/// costing the whole message.
/// </summary>
internal sealed class MessageContent(DecodedTexts texts) : MessageFileWalker(texts)
{
    private readonly List<TextCandidate> _texts = [];
    private readonly List<TextCandidate> _tnefTexts = [];
    private readonly List<AttachmentDraft> _attachments = [];
    private readonly List<string> _notes = [];
    private bool _depthNoted;

    /// <summary>
    /// A plain-text body, once joined: the body and the reply text read the same parts, and only HTML is converted
    /// differently for each.
    /// </summary>
    private string? _plainBody;

    public IReadOnlyList<AttachmentDraft> Attachments => _attachments;

    public IReadOnlyList<string> Notes => _notes;

    /// <param name="texts">The message's text parts as decoded for the rest of its reading.</param>
    public static MessageContent Of(MimeMessage message, DecodedTexts texts)
    {
        var content = new MessageContent(texts);
        content.Walk(message);
        return content;
    }

    /// <summary>
    /// The message's own text parts first, TNEF's only when the message has none. Plain text wins over HTML
    /// (it is what the sender's program wrote for text readers); parts that hold nothing but white space are passed
    /// over, since some programs send an empty text/plain beside the real HTML.
    /// </summary>
    public string BodyText() => Body(html => ConvertHtml(html, note: true)).TrimEnd();

    /// <summary>
    /// The reply text of the same parts <see cref="BodyText"/> reads: HTML parts lose their quote containers before they
    /// become text, then the text rules cut quoted history and signature from the whole (<see cref="ReplyExtractor"/>).
    /// A body that is nothing but history, or one the extractor fails on, gives the whole body: the reply text only
    /// ever leaves things out of what is stored beside it, and never costs a message.
    /// </summary>
    /// <param name="whole">What <see cref="BodyText"/> gave.</param>
    /// <param name="subject">The subject, which tells a forward from a reply (<see cref="ReplyExtractor.IsForward"/>).</param>
    public string ReplyText(string whole, string subject)
    {
        try
        {
            var forward = ReplyExtractor.IsForward(subject);
            var reply = ReplyExtractor.Cut(Body(html => ConvertHtml(HtmlQuotes.Remove(html, forward), note: false)), forward);
            return reply.Length > 0 ? reply : whole;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return whole;
        }
    }

    private string Body(Func<string, string> html)
    {
        foreach (var candidates in new[] { _texts, _tnefTexts })
        {
            var useful = candidates.Where(t => !string.IsNullOrWhiteSpace(t.Text)).ToList();
            if (useful.Count == 0) continue;
            var isHtml = !useful.Exists(t => !t.IsHtml);
            if (!isHtml && _plainBody is not null) return _plainBody;
            var chosen = useful.Where(t => t.IsHtml == isHtml).ToList();
            // After the first, only parts outside multipart/alternative belong to the body: Apple Mail splits a
            // body around inline images into several parts, while alternatives repeat the same text.
            var parts = chosen.Take(1).Concat(chosen.Skip(1).Where(t => !t.InAlternative));
            var body = string.Join("\n\n", parts.Select(t => isHtml ? html(t.Text) : t.Text.Trim('\n')).Where(t => t.Length > 0));
            if (!isHtml) _plainBody = body;
            return body;
        }
        return "";
    }

    /// <param name="note">Whether a failure is noted: the reply text reads the same parts again and notes nothing twice.</param>
    private string ConvertHtml(string html, bool note)
    {
        try
        {
            return HtmlToText.Convert(html);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (note) _notes.Add($"the HTML body could not be converted cleanly ({e.GetType().Name}); tags were stripped instead");
            return Bounces.HtmlText.Strip(html).Trim();
        }
    }

    protected override void OnTooDeep(MimeEntity entity)
    {
        if (!_depthNoted) _notes.Add($"parts nested deeper than {MaxDepth} levels were not read");
        _depthNoted = true;
    }

    protected override void OnBodyText(DecodedText text, bool inAlternative, bool fromTnef) => AddText(text, inAlternative, fromTnef);

    protected override void OnFile(MimePart part, string? name, string mimeType) => AddAttachment(part, name, mimeType);

    protected override void OnForwardedMessage(MessagePart part, string? name, int depth) => AddMessage(part, name);

    protected override void OnReturnedHeaders(TextRfc822Headers part, string? name) => AddHeaders(part, name);

    // Kept like any file (signature.asc, smime.p7s): an agent may need to check it or pass the mail on whole, and a
    // thread that silently lost part of what arrived could not show that the mail was signed at all.
    protected override void OnSignature(MimePart part, string? name) => AddAttachment(part, name, part.ContentType.MimeType.ToLowerInvariant());

    /// <summary>
    /// A winmail.dat that cannot be unpacked, or holds nothing, stays an attachment so nothing the customer sent is lost.
    /// </summary>
    protected override void OnOpaqueTnef(TnefPart part, string? name, Exception? failure)
    {
        _notes.Add(failure is null
            ? "winmail.dat holds nothing that could be unpacked; it is kept as it is"
            : $"winmail.dat could not be unpacked ({failure.GetType().Name}); it is kept as it is");
        AddAttachment(part, name, part.ContentType.MimeType.ToLowerInvariant());
    }

    protected override void OnUnreadable(MimeEntity entity, Exception failure) =>
        _notes.Add($"a {entity.ContentType.MimeType} part could not be read ({failure.GetType().Name}) and was left out");

    private void AddText(DecodedText decoded, bool inAlternative, bool fromTnef)
    {
        var part = decoded.Part;
        if (decoded.Damaged) _notes.Add($"a {part.ContentType.MimeType} body part is damaged; the readable beginning was kept");
        var text = decoded.Text;
        if (decoded.CharsetNote is { } note) _notes.Add(note);
        if (part.IsFlowed)
        {
            var deleteSpace = part.ContentType.Parameters.TryGetValue("delsp", out string? delsp)
                && delsp is not null && delsp.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase);
            text = TextDecoding.Unflow(text, deleteSpace);
        }
        (fromTnef ? _tnefTexts : _texts).Add(new TextCandidate(text, part.IsHtml, inAlternative));
    }

    private void AddAttachment(MimePart part, string? name, string mimeType)
    {
        var content = PartContent.Decode(part, out var damaged);
        var draft = new AttachmentDraft(
            name,
            mimeType,
            content,
            IsInline(part),
            string.IsNullOrWhiteSpace(part.ContentId) ? null : part.ContentId.Trim());
        _attachments.Add(draft);
        if (damaged)
            _notes.Add($"attachment {draft.ProposedName ?? $"#{_attachments.Count}"} is damaged; the {content.Length} bytes that could be decoded were kept");
    }

    /// <summary>A forwarded message, kept whole as the bytes of an .eml file.</summary>
    private void AddMessage(MessagePart part, string? fileName)
    {
        var content = new MemoryStream();
        // CRLF whatever the platform: an .eml file holds the message as it travelled.
        part.Message?.WriteTo(WireFormat.Options, content);
        var name = fileName ?? part.Message?.Subject;
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
    private void AddHeaders(TextRfc822Headers part, string? name)
    {
        var content = new MemoryStream();
        part.Message?.Headers.WriteTo(WireFormat.Options, content);
        // HeaderList.WriteTo ends the block with the blank line that would separate a body; the part holds no body.
        var bytes = content.ToArray();
        if (bytes.AsSpan().EndsWith("\r\n"u8)) bytes = bytes[..^2];
        _attachments.Add(new AttachmentDraft(
            name,
            part.ContentType.MimeType.ToLowerInvariant(),
            bytes,
            Inline: false,
            ContentId: null));
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

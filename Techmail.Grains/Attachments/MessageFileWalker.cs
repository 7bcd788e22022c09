using MimeKit;
using MimeKit.Cryptography;
using MimeKit.Tnef;
using Techmail.Incidents.Parsing;

namespace Techmail.Attachments;

/// <summary>
/// The one reading of which parts of a message are body text and which are files: intake stores what this walk calls
/// files (<see cref="Incidents.Parsing.MessageContent"/>) and screening applies the attachment rules to exactly those
/// (<see cref="Polling.MessageScreen"/>). Both unpack Outlook's winmail.dat here, so a file inside TNEF is a file like
/// any other and cannot pass screening that only saw "winmail.dat" while intake stored what it carried.
/// </summary>
/// <remarks>
/// A walk is one object per message (subclasses gather state); the walker decides roles and the subclass acts on
/// them. What a part throws is handed to <see cref="OnUnreadable"/>, so intake can note it and go on while screening
/// refuses to call unread content clean.
/// </remarks>
/// <param name="texts">
/// Where the walk takes each body text part's decoded content, so whatever else reads the same message (the charset
/// hint, the body and reply text) decodes it only once.
/// </param>
internal abstract class MessageFileWalker(DecodedTexts texts)
{
    /// <summary>Far beyond any real mail (a few levels); deeper trees are built to exhaust parsers.</summary>
    public const int MaxDepth = 32;

    /// <summary>True once the subclass has seen enough (screening stops at the first breach).</summary>
    protected virtual bool Stopped => false;

    protected void Walk(MimeMessage message) => Visit(message.Body, depth: 0, inAlternative: false, fromTnef: false);

    /// <summary>Walks the message a forwarded part carries, as screening does to look inside it.</summary>
    protected void WalkInside(MessagePart part, int depth) => Visit(part.Message?.Body, depth + 1, inAlternative: false, fromTnef: false);

    /// <summary>A part nested deeper than <see cref="MaxDepth"/>; its contents are not walked.</summary>
    protected abstract void OnTooDeep(MimeEntity entity);

    /// <summary>
    /// Plain or HTML text that is the message's body (from TNEF: the body Outlook wrapped in winmail.dat), without the
    /// files uuencoded into it.
    /// </summary>
    protected abstract void OnBodyText(DecodedText text, bool inAlternative, bool fromTnef);

    /// <summary>
    /// A file: any leaf part that is not body text, including each file unpacked from TNEF. <paramref name="mimeType"/>
    /// is lower case; for TNEF files, which rarely say their type, it is guessed from the name.
    /// </summary>
    protected abstract void OnFile(MimePart part, string? name, string mimeType);

    /// <summary>A forwarded message (message/rfc822): one file, the whole message, whatever it carries inside.</summary>
    protected abstract void OnForwardedMessage(MessagePart part, string? name, int depth);

    /// <summary>The returned header block of a delivery report (text/rfc822-headers): a file of its own type.</summary>
    protected abstract void OnReturnedHeaders(TextRfc822Headers part, string? name);

    /// <summary>
    /// The signature part of multipart/signed: intake keeps it as a file of the entry, screening exempts it from allow
    /// lists, since it is how the mail is built rather than a file the sender chose.
    /// </summary>
    protected abstract void OnSignature(MimePart part, string? name);

    /// <summary>
    /// A winmail.dat that stays one opaque file: it could not be unpacked (<paramref name="failure"/> says why) or it
    /// holds nothing to unpack (<paramref name="failure"/> is null).
    /// </summary>
    protected abstract void OnOpaqueTnef(TnefPart part, string? name, Exception? failure);

    /// <summary>Reading <paramref name="entity"/> threw; it was left out of the walk.</summary>
    protected abstract void OnUnreadable(MimeEntity entity, Exception failure);

    private void Visit(MimeEntity? entity, int depth, bool inAlternative, bool fromTnef)
    {
        if (entity is null || Stopped) return;
        if (depth > MaxDepth)
        {
            OnTooDeep(entity);
            return;
        }

        try
        {
            switch (entity)
            {
                case MultipartSigned signed:
                    if (signed.Count > 0) Visit(signed[0], depth + 1, inAlternative, fromTnef);
                    // The second part of multipart/signed is the signature (RFC 1847); anything after it is not mail.
                    if (signed.Count > 1 && signed[1] is MimePart signature && !Stopped) OnSignature(signature, NameOf(signature));
                    break;
                case MultipartEncrypted encrypted:
                    // PGP/MIME (RFC 3156): the first part only says "Version: 1" to mail programs; the encrypted
                    // message (encrypted.asc) is what was sent.
                    foreach (var child in encrypted)
                    {
                        if (child is MimePart control && control.ContentType.IsMimeType("application", "pgp-encrypted")) continue;
                        Visit(child, depth + 1, inAlternative, fromTnef);
                    }

                    break;
                case Multipart multipart:
                    var alternative = inAlternative || multipart.ContentType.IsMimeType("multipart", "alternative");
                    foreach (var child in multipart)
                    {
                        Visit(child, depth + 1, alternative, fromTnef);
                    }

                    break;
                case TextRfc822Headers headers:
                    OnReturnedHeaders(headers, NameOf(headers));
                    break;
                case MessagePart messagePart:
                    OnForwardedMessage(messagePart, NameOf(messagePart), depth);
                    break;
                case TnefPart tnef:
                    VisitTnef(tnef, depth);
                    break;
                case TextPart text when IsBodyText(text, fromTnef):
                    VisitBodyText(text, inAlternative, fromTnef);
                    break;
                case MimePart part:
                    var name = NameOf(part);
                    OnFile(part, name, fromTnef ? TnefMimeType(part, name) : part.ContentType.MimeType.ToLowerInvariant());
                    break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            OnUnreadable(entity, e);
        }
    }

    /// <summary>Body text, and the files uuencoded into it as files of their own (see <see cref="UuencodedFiles"/>).</summary>
    private void VisitBodyText(TextPart text, bool inAlternative, bool fromTnef)
    {
        var decoded = texts.For(text);
        if (UuencodedFiles.Of(decoded) is not { } split)
        {
            OnBodyText(decoded, inAlternative, fromTnef);
            return;
        }

        OnBodyText(split.Text, inAlternative, fromTnef);
        foreach (var file in split.Files)
        {
            if (Stopped) return;
            OnFile(file, file.FileName, file.ContentType.MimeType.ToLowerInvariant());
        }
    }

    /// <summary>
    /// Outlook's winmail.dat: its files are files of the message and its body is body text marked as from TNEF.
    /// An embedded Outlook message is TNEF again and is unpacked the same way, depth permitting.
    /// </summary>
    private void VisitTnef(TnefPart tnef, int depth)
    {
        MimeMessage unpacked;
        try
        {
            unpacked = tnef.ConvertToMessage();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            OnOpaqueTnef(tnef, NameOf(tnef), e);
            return;
        }

        using (unpacked)
        {
            if (!unpacked.BodyParts.Any())
            {
                OnOpaqueTnef(tnef, NameOf(tnef), failure: null);
                return;
            }

            Visit(unpacked.Body, depth + 1, inAlternative: false, fromTnef: true);
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

    /// <summary>The sender's file name (MimeKit has decoded RFC 2231 and RFC 2047), or null when there is none to read.</summary>
    public static string? NameOf(MimeEntity entity)
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
}

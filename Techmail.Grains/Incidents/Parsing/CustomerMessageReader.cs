using System.Security.Cryptography;
using MimeKit;
using MimeKit.Utils;
using Techmail.Polling;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// Reads one raw customer email into what a helpdesk incident needs. Never throws: a message that cannot be made
/// sense of comes back as a problem to quarantine it with, and everything short of that is repaired or left out
/// with a note, since a customer's request should not be lost to a malformed header or a broken attachment.
/// </summary>
public static class CustomerMessageReader
{
    public static CustomerMessageResult Read(byte[] raw, string messageKey) => Guarded(() => ReadMessage(raw ?? [], messageKey ?? ""));

    /// <summary>The same for a message the caller already parsed from <paramref name="raw"/> (to look at it for other reasons too).</summary>
    public static CustomerMessageResult Read(MimeMessage message, byte[] raw, string messageKey) =>
        Guarded(() => ReadParsed(message, raw ?? [], messageKey ?? ""));

    private static CustomerMessageResult Guarded(Func<CustomerMessageResult> read)
    {
        try
        {
            return read();
        }
        catch (Exception e)
        {
            // The last line of defence; the parts below catch what they expect, this is for what nobody expected.
            return CustomerMessageResult.Unusable($"cannot be read: {e.GetType().Name}: {FirstLine(e.Message)}");
        }
    }

    private static CustomerMessageResult ReadMessage(byte[] raw, string messageKey)
    {
        if (!MessageParsing.TryParse(raw, out var message, out var problem))
        {
            return CustomerMessageResult.Unusable(problem);
        }

        // The result holds copies; MimeKit's messages have finalizers, so a parse is disposed once read.
        using (message)
        {
            return ReadParsed(message, raw, messageKey);
        }
    }

    private static CustomerMessageResult ReadParsed(MimeMessage message, byte[] raw, string messageKey)
    {
        if (!TryResolveSender(message, out var sender, out var source))
            return CustomerMessageResult.Unusable("no sender address: no usable From, Sender or Return-Path (Reply-To only says where answers go)");

        var notes = new List<string>();
        var (messageId, synthetic) = MessageIds.Choose(message.Headers, messageKey, raw);
        if (synthetic) notes.Add("the message has no usable Message-ID; one was made from its key");

        var content = MessageContent.Of(message);
        var body = content.BodyText();
        var subject = SubjectOf(message);
        notes.AddRange(content.Notes);

        return CustomerMessageResult.Readable(new CustomerMessage(
            messageKey,
            sender,
            source,
            AddressReading.First(message, HeaderId.From),
            AddressReading.First(message, HeaderId.ReplyTo),
            AddressReading.All(message, HeaderId.To),
            AddressReading.All(message, HeaderId.Cc),
            DateOf(message),
            subject,
            messageId,
            synthetic,
            MessageIds.InReplyTo(message.Headers),
            MessageIds.References(message.Headers),
            message.Headers.Select(h => (h.Field, HeaderText.Value(h))).ToList(),
            body,
            content.ReplyText(body, subject),
            Named(content.Attachments),
            notes));
    }

    /// <summary>
    /// From first: it is the author, the address DMARC and S/MIME vouch for, so it is who speaks for the customer;
    /// then Sender and Return-Path for mail without a usable From. Never Reply-To: anyone may name anyone there, and
    /// a contact taken from it let a stranger write into another customer's incident.
    /// </summary>
    private static bool TryResolveSender(MimeMessage message, out CustomerAddress sender, out SenderSource source)
    {
        foreach (var (id, from) in new[]
        {
            (HeaderId.From, SenderSource.From),
            (HeaderId.Sender, SenderSource.Sender),
        })
        {
            if (AddressReading.First(message, id) is { } found)
            {
                (sender, source) = (found, from);
                return true;
            }
        }

        foreach (var header in message.Headers)
        {
            if (header.Id != HeaderId.ReturnPath) continue;
            if (AddressReading.Scan(HeaderText.Value(header)) is { } found)
            {
                (sender, source) = (found, SenderSource.ReturnPath);
                return true;
            }
        }

        (sender, source) = (null!, default);
        return false;
    }

    /// <summary>
    /// From the first Date header; MimeKit reports a missing or unreadable date as DateTimeOffset.MinValue, which
    /// would pass for a real (if ancient) date, so the header is read here instead.
    /// </summary>
    private static DateTimeOffset? DateOf(MimeMessage message)
    {
        foreach (var header in message.Headers)
        {
            if (header.Id != HeaderId.Date) continue;
            return DateUtils.TryParse(HeaderText.Value(header), out var date) ? date : null;
        }
        return null;
    }

    private static string SubjectOf(MimeMessage message)
    {
        foreach (var header in message.Headers)
            if (header.Id == HeaderId.Subject)
                return HeaderText.Value(header);
        return "";
    }

    private static IReadOnlyList<CustomerAttachment> Named(IReadOnlyList<AttachmentDraft> drafts)
    {
        var names = new AttachmentNames();
        var attachments = new List<CustomerAttachment>(drafts.Count);
        foreach (var draft in drafts)
        {
            attachments.Add(new CustomerAttachment(
                names.Assign(draft.ProposedName, draft.MimeType, attachments.Count + 1),
                draft.MimeType,
                draft.Content.Length,
                Convert.ToHexStringLower(SHA256.HashData(draft.Content)),
                draft.Content,
                draft.Inline,
                draft.ContentId));
        }
        return attachments;
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}

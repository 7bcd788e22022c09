using System.Security.Cryptography;
using System.Text;
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
        // Names and subjects in a wrong or missing charset are read in the charset the whole message shows. Its text
        // parts are decoded once for the hint and the body alike.
        var texts = new DecodedTexts();
        var hint = CharsetHint.Of(message, texts);
        if (!TryResolveSender(message, hint, out var sender, out var source))
            return CustomerMessageResult.Unusable("no sender address: no usable From, Sender or Return-Path (Reply-To only says where answers go)");

        var notes = new List<string>();
        var (messageId, synthetic) = MessageIds.Choose(message.Headers, messageKey, raw);
        if (synthetic) notes.Add("the message has no usable Message-ID; one was made from its key");

        var content = MessageContent.Of(message, texts);
        var body = content.BodyText();
        var subject = SubjectOf(message, hint);
        notes.AddRange(content.Notes);

        return CustomerMessageResult.Readable(new CustomerMessage(
            messageKey,
            sender,
            source,
            FromOf(message, hint),
            AddressReading.First(message, HeaderId.ReplyTo, hint),
            AddressReading.All(message, HeaderId.To, hint),
            AddressReading.All(message, HeaderId.Cc, hint),
            DateOf(message),
            subject,
            messageId,
            synthetic,
            MessageIds.InReplyTo(message.Headers),
            MessageIds.References(message.Headers),
            message.Headers.Select(h => (h.Field, HeaderText.Value(h, hint))).ToList(),
            body,
            content.ReplyText(body, subject),
            Named(content.Attachments),
            notes));
    }

    /// <summary>
    /// From first: it is the author, the address DMARC and S/MIME vouch for, so it is who speaks for the customer;
    /// then Sender and Return-Path for mail without a usable From. Reply-To only when the From is empty and nothing
    /// else names anyone: anyone may name anyone there, and a contact taken from it let a stranger write into another
    /// customer's incident, so such a sender is marked (<see cref="SenderSource.ReplyTo"/>) and never threads.
    /// </summary>
    private static bool TryResolveSender(MimeMessage message, Encoding? hint, out CustomerAddress sender, out SenderSource source)
    {
        foreach (var (id, from) in new[]
        {
            (HeaderId.From, SenderSource.From),
            (HeaderId.Sender, SenderSource.Sender),
        })
        {
            if (AddressReading.First(message, id, hint) is { } found)
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

        // Last resorts, only for mail nothing above speaks for: rather an incident that says who it names than a
        // request lost to quarantine. Neither is proven, and the incident builder keeps them out of existing incidents.
        if (EmptyFromStandIn(message, hint) is { } standIn)
        {
            (sender, source) = (standIn, SenderSource.ReplyTo);
            return true;
        }
        if (AddressReading.Unqualified(message, HeaderId.From, hint) is { } unqualified)
        {
            (sender, source) = (unqualified, SenderSource.UnqualifiedFrom);
            return true;
        }

        (sender, source) = (null!, default);
        return false;
    }

    /// <summary>
    /// The From as people read it: its first full address; for a From that names no address (missing, empty, "&lt;&gt;"
    /// or a bare name, as some web forms and list tools write it) the Reply-To it leaves answers to; for an MTA's own
    /// unqualified "MAILER-DAEMON", that mailbox as written, without inventing a domain.
    /// </summary>
    private static CustomerAddress? FromOf(MimeMessage message, Encoding? hint) =>
        AddressReading.First(message, HeaderId.From, hint)
        ?? EmptyFromStandIn(message, hint)
        ?? AddressReading.Unqualified(message, HeaderId.From, hint);

    /// <summary>The Reply-To standing in for a From that names no address, with the From's name when it has none of its own.</summary>
    private static CustomerAddress? EmptyFromStandIn(MimeMessage message, Encoding? hint)
    {
        var hasFrom = message.Headers.Contains(HeaderId.From);
        if (hasFrom && !AddressReading.IsEmptyAddress(message, HeaderId.From)) return null;
        if (AddressReading.First(message, HeaderId.ReplyTo, hint) is not { } replyTo) return null;
        if (replyTo.DisplayName.Length > 0 || !hasFrom) return replyTo;
        return replyTo with { DisplayName = HeaderText.OneLine(AddressReading.NameWithoutAddress(message, HeaderId.From, hint)) };
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

    private static string SubjectOf(MimeMessage message, Encoding? hint)
    {
        foreach (var header in message.Headers)
            if (header.Id == HeaderId.Subject)
                return HeaderText.Value(header, hint);
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

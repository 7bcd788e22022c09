using System.Globalization;
using MimeKit;
using MimeKit.Utils;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;

namespace Techmail.Mailings;

/// <summary>
/// One recipient's mail of a mailing: the mailbox's branded From, Reply-To and display name, the merged subject and
/// bodies, a VERP envelope sender naming the recipient, <c>List-Unsubscribe</c> with a mailto and a one-click HTTPS
/// link (RFC 2369, RFC 8058), <c>Feedback-ID</c> for providers' feedback loops, and Techmail's stamp first so the
/// outbox sends the bytes as they are.
/// </summary>
public sealed class MailingComposer(MailingTemplate template, OutgoingSettings outgoing, string tenant, string mailbox, long mailing, byte[] key, string publicUrl)
{
    public const string Kind = "mailing";

    private readonly MailboxAddress _from = MailSender.From(outgoing);
    private readonly MailboxAddress? _replyTo = outgoing.ReplyTo is { Length: > 0 } r ? MailboxAddress.Parse(r) : null;
    private readonly string _domain = MailboxAddress.Parse(outgoing.EnvelopeFrom).Domain;
    private readonly bool _oneClick = MailingPolicy.OneClickLeftOutFor(publicUrl) is null;

    // Gmail's layout, most specific first: campaign, then the sender's own grouping, then the sender id last.
    private readonly string _feedbackId = string.Create(CultureInfo.InvariantCulture, $"{mailing}:{FeedbackPart(mailbox)}:{FeedbackPart(tenant)}:techmail");

    public ComposedRecipient Compose(RecipientRow row, int attempt, DateTimeOffset now)
    {
        var recipient = new MailingRecipient(row.Address, row.Values);
        var tag = new RecipientTag(mailing, row.Index, attempt);
        var verp = tag.Verp(outgoing.EnvelopeFrom, tenant, key);
        var messageId = MimeUtils.GenerateMessageId(_domain);
        var headers = new HeaderList
        {
            new Header(MailSender.GeneratedHeader, Kind),
            new Header(HeaderId.From, _from.ToString()),
            new Header(HeaderId.Date, DateUtils.FormatDate(now)),
            new Header(HeaderId.Subject, template.SubjectFor(recipient)),
            new Header(HeaderId.MessageId, $"<{messageId}>"),
        };
        if (_replyTo is not null)
        {
            headers.Add(HeaderId.ReplyTo, _replyTo.ToString());
        }

        headers.Add(HeaderId.To, new MailboxAddress("", row.Address).ToString());
        if (_oneClick)
        {
            headers.Add(HeaderId.ListUnsubscribe, $"<mailto:{verp}?subject=unsubscribe>, <{UnsubscribeLink(publicUrl, tenant, tag, key)}>");
            headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        else
        {
            // RFC 8058 one-click needs an HTTPS URI; the report says why it is left out (MailingPolicy.OneClickLeftOut).
            headers.Add(HeaderId.ListUnsubscribe, $"<mailto:{verp}?subject=unsubscribe>");
        }

        headers.Add("Feedback-ID", _feedbackId);
        headers.Add(HeaderId.Precedence, "bulk");
        headers.Add(HeaderId.MimeVersion, "1.0");

        using var body = Body(template.TextFor(recipient), template.HtmlFor(recipient));
        return new ComposedRecipient(row.Index, attempt, verp, row.Address, messageId, WireFormat.Bytes(headers, body));
    }

    /// <summary>The one-click link of one recipient: its tag spelled out in the path, signed, so no sign-in is needed.</summary>
    public static string UnsubscribeLink(string publicUrl, string tenant, RecipientTag tag, byte[] key) =>
        $"{publicUrl.TrimEnd('/')}{UnsubscribePath}/{Uri.EscapeDataString(tenant)}/{tag.Write(tenant, key)}";

    public const string UnsubscribePath = "/unsubscribe";

    private static MimeEntity Body(string? text, string? html)
    {
        var parts = new[] { (Type: "plain", Text: text), (Type: "html", Text: html) }.Where(p => p.Text is not null).Select(p => Part(p.Type, p.Text!)).ToList();
        if (parts.Count == 1)
        {
            return parts[0];
        }

        var alternative = new MultipartAlternative();
        foreach (var part in parts)
        {
            alternative.Add(part);
        }

        return alternative;
    }

    private static TextPart Part(string type, string text)
    {
        var part = new TextPart(type) { Text = text.EndsWith('\n') ? text : text + "\n" };
        // 7-bit on the wire, so the outbox hands the bytes over as they are (and no relay has to downgrade them).
        part.ContentTransferEncoding = part.GetBestEncoding(EncodingConstraint.SevenBit);
        return part;
    }

    private static string FeedbackPart(string text) => new(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}

using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// Reads a message and says whether it reports a delivery problem (or a complaint or an auto-reply), for whom,
/// and why. Standard reports (RFC 3464, RFC 5965, RFC 3834) are read by their fields; the plain-text
/// reports many MTAs still send are read by their common shape. Never throws on input: a message it cannot
/// read is simply not a bounce.
/// </summary>
public sealed class BounceClassifier
{
    public BounceClassification Classify(byte[] raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        MimeMessage message;
        // Persistent parsing leaves part contents in the caller's buffer instead of copying them; the stream
        // outlives every read of the message because the message never leaves this method.
        using var stream = new MemoryStream(raw, writable: false);
        try
        {
            message = MimeMessage.Load(stream, persistent: true);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or IOException)
        {
            return BounceClassification.NotABounce;
        }
        return Classify(message);
    }

    public BounceClassification Classify(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return ClassifyCore(message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Malformed input must not take the intake pipeline down; an unreadable report is not a bounce.
            return BounceClassification.NotABounce;
        }
    }

    private static BounceClassification ClassifyCore(MimeMessage message)
    {
        var view = MessageView.Create(message);
        string? envelopeHint = null;
        List<RecipientDraft> drafts;

        if (view.FeedbackReport is not null || view.ReportType.Equals("feedback-report", StringComparison.OrdinalIgnoreCase))
        {
            drafts = FeedbackReportReader.Read(view, out envelopeHint);
        }
        else if (AmazonSesNotification.TryRead(view.HumanText, out var sesDrafts, out var sesMessageId, out var sesSource))
        {
            return Build(sesDrafts, sesMessageId, sesSource);
        }
        else if (view.DeliveryStatus is not null && DeliveryStatusReader.LooksLikeFields(view.DeliveryStatus))
        {
            drafts = DeliveryStatusReader.Read(view.DeliveryStatus);
            AddContext(view, drafts);
        }
        else if (IsPlainTextBounce(view))
        {
            drafts = TextReportReader.Read(view);
            // Some MTAs mark their bounces "Auto-Submitted: auto-replied"; only a human mailbox's answer is a vacation.
            if (drafts.Count == 0 && AutoReplyDetector.IsAutoReply(message) && !BounceSignals.SenderIsMailSystem(message))
                drafts = AutoReply(message);
        }
        else if (AutoReplyDetector.IsAutoReply(message))
        {
            drafts = AutoReply(message);
        }
        else
        {
            return BounceClassification.NotABounce;
        }

        if (drafts.Count == 0) return BounceClassification.NotABounce;
        var (messageId, envelopeFrom) = OriginalMessageInfo.Find(view, envelopeHint);
        return Build(drafts, messageId, envelopeFrom);
    }

    private static bool IsPlainTextBounce(MessageView view) =>
        view.DeliveryStatus is not null
        || view.ReportType.Equals("delivery-status", StringComparison.OrdinalIgnoreCase)
        || BounceSignals.FromMailSystem(view.Message)
        || BounceSignals.BounceSubject(view.Message.Subject);

    private static void AddContext(MessageView view, List<RecipientDraft> drafts)
    {
        var report = PlainTextReport.ReportPart(view.HumanText);
        if (drafts.Count == 1)
        {
            drafts[0].Context = report + "\n" + view.Message.Subject;
            return;
        }
        var blocks = PlainTextReport.Blocks(report, []);
        foreach (var draft in drafts)
            foreach (var (address, block) in blocks)
                if (address.Equals(draft.Address, StringComparison.OrdinalIgnoreCase))
                    draft.Context = block;
    }

    private static List<RecipientDraft> AutoReply(MimeMessage message)
    {
        // The auto-reply comes from the mailbox we wrote to, so its author is the recipient concerned.
        var address = Addresses.First(message.ReplyTo) is { } replyTo && message.From.Count == 0
            ? replyTo
            : Addresses.First(message.From);
        return address is null ? [] : [new RecipientDraft(address) { KnownReason = BounceReason.Vacation, Diagnostic = message.Subject }];
    }

    private static BounceClassification Build(List<RecipientDraft> drafts, string? messageId, string? envelopeFrom)
    {
        var recipients = new List<BouncedRecipient>(drafts.Count);
        foreach (var draft in drafts)
            recipients.Add(ReasonResolver.Resolve(draft));
        return new BounceClassification(recipients.Count > 0, recipients, messageId, envelopeFrom);
    }
}

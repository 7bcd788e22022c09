using System.Runtime.CompilerServices;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// Reads a message and says whether it reports a delivery problem (or a complaint or an auto-reply), for whom,
/// and why. Standard reports (RFC 3464, RFC 5965, RFC 3834) are read by their fields; the plain-text
/// reports many MTAs still send are read by their common shape. Never throws on input: a message it cannot
/// read is simply not a bounce.
/// </summary>
/// <remarks>
/// Throughput: the classifier runs on every polled message, next to MimeKit's parse. Its hot methods are marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/> and its patterns are <see cref="System.Text.RegularExpressions.RegexOptions.Compiled"/>:
/// on a busy single core the runtime's tiered JIT can leave freshly loaded code unoptimised for many seconds,
/// and both keep this code out of that slow tier. Patterns run only where cheap literal anchors say they can
/// match (see <see cref="PhraseRules"/>), text parts are decoded only as far as a report reaches
/// (<see cref="PartText"/>), and header fields are read raw instead of through MimeKit's decoders.
/// </remarks>
public sealed class BounceClassifier
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BounceClassification Classify(byte[] raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (Mbox.HoldsSeveral(raw)) return ClassifyMbox(raw);
        // The same parse as intake's (a banner before the headers is passed over), so a file reads the same in both.
        if (!Techmail.Polling.MessageParsing.TryParse(raw, out var message, out _))
        {
            return BounceClassification.NotABounce;
        }

        // MimeKit's messages have finalizers; disposing skips the finalizer's extra collection of the whole tree.
        using (message)
        {
            return Classify(message);
        }
    }

    /// <summary>
    /// A saved mailbox file (RFC 4155 mbox) rather than one message: each message in it is read, and their
    /// recipients are reported together, the first report's original message named.
    /// </summary>
    private BounceClassification ClassifyMbox(byte[] raw)
    {
        var recipients = new List<BouncedRecipient>();
        BounceClassification? first = null;
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            var parser = new MimeParser(stream, MimeFormat.Mbox, persistent: true);
            while (!parser.IsEndOfStream)
            {
                using var message = parser.ParseMessage();
                var result = Classify(message);
                if (!result.IsBounce) continue;
                first ??= result;
                foreach (var recipient in result.Recipients)
                    if (!recipients.Exists(r => r.Recipient.Equals(recipient.Recipient, StringComparison.OrdinalIgnoreCase)))
                        recipients.Add(recipient);
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or IOException)
        {
            // A damaged mailbox file: keep what was read before the damage.
        }
        return first is null ? BounceClassification.NotABounce : first with { Recipients = recipients };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static BounceClassification ClassifyCore(MimeMessage message, int depth = 0)
    {
        var view = MessageView.Create(message);
        // A bounce forwarded as an attachment (a user or a relay passing the report on): the attached report is
        // the one that names the failed recipients.
        if (depth < 2 && view.DeliveryStatus is null && view.FeedbackReport is null
            && view.AttachedMessage is { Body: MultipartReport nested } attached
            && nested.ReportType is { } nestedType
            && (nestedType.Equals("delivery-status", StringComparison.OrdinalIgnoreCase) || nestedType.Equals("feedback-report", StringComparison.OrdinalIgnoreCase)))
            return ClassifyCore(attached, depth + 1);
        string? envelopeHint = null;
        List<RecipientDraft> drafts;

        if (view.FeedbackReport is not null || view.ReportType.Equals("feedback-report", StringComparison.OrdinalIgnoreCase)
            || (view.DeliveryStatus is null && FeedbackReportReader.IsUnlabelledComplaint(view)))
        {
            drafts = FeedbackReportReader.Read(view, out envelopeHint);
        }
        else if (view.DeliveryStatus is null && UnsubscribeRequest.Is(message))
        {
            drafts = UnsubscribeRequest.Read(message);
        }
        else if (AmazonSesNotification.TryRead(view.HumanText, out var sesDrafts, out var sesMessageId, out var sesSource))
        {
            return Build(sesDrafts, sesMessageId, sesSource);
        }
        else if (view.DeliveryStatus is not null && DeliveryStatusReader.LooksLikeFields(view.DeliveryStatus))
        {
            drafts = DeliveryStatusReader.Read(view.DeliveryStatus);
            RepairAddresses(view, drafts);
            AddContext(view, drafts);
        }
        else if (view.DeliveryStatus is null && IsHumanAutoReply(view))
        {
            // RFC 3834 asks responders to send with an empty envelope sender, which also marks mail-system bounces;
            // an automatic answer from a person's mailbox (not a mail system, not worded as a delivery failure) is
            // that person's vacation or out-of-office notice, whatever addresses its text mentions.
            drafts = AutoReply(message);
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
        var result = Build(drafts, messageId, envelopeFrom);
        // A gateway's notice that names no cause may attach the downstream MTA's own report, which does.
        if (depth < 2 && view.AttachedMessage is { } attachedReport && NestedReport.Complete(result.Recipients, attachedReport) is { } completed)
            return result with { Recipients = completed };
        return result;
    }

    private static bool IsHumanAutoReply(MessageView view) =>
        AutoReplyDetector.IsAutoReply(view.Message)
        && !BounceSignals.SenderIsMailSystem(view.Message)
        && !BounceSignals.BounceSubject(view.Message.Subject)
        && !view.ReportType.Equals("delivery-status", StringComparison.OrdinalIgnoreCase);

    private static bool IsPlainTextBounce(MessageView view) =>
        view.DeliveryStatus is not null
        || view.ReportType.Equals("delivery-status", StringComparison.OrdinalIgnoreCase)
        || BounceSignals.FromMailSystem(view.Message)
        || BounceSignals.BounceSubject(view.Message.Subject);

    /// <summary>
    /// A recipient field that names no mailbox (e.g. only "@domain" left after a route) is replaced by the
    /// failed address the MTA names elsewhere: X-Failed-Recipients, or the address the human-readable report gives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RepairAddresses(MessageView view, List<RecipientDraft> drafts)
    {
        for (var i = 0; i < drafts.Count; i++)
        {
            if (Addresses.IsMailbox(drafts[i].Address)) continue;
            var replacement = Addresses.FromHeaderValue(Addresses.RawHeader(view.Message.Headers, "X-Failed-Recipients"));
            if (replacement is null)
            {
                var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                Addresses.AddFromHeaders(excluded, view.Message.Headers, "From");
                Addresses.AddFromHeaders(excluded, view.Message.Headers, "To");
                var blocks = PlainTextReport.Blocks(PlainTextReport.ReportPart(view.HumanText), excluded);
                if (blocks.Count > 0) replacement = blocks[0].Address;
            }
            if (replacement is not null && !drafts.Exists(d => d.Address.Equals(replacement, StringComparison.OrdinalIgnoreCase)))
                drafts[i] = drafts[i].WithAddress(replacement);
        }
    }

    private static void AddContext(MessageView view, List<RecipientDraft> drafts)
    {
        if (drafts.Count == 1)
        {
            drafts[0].SetContext(() => PlainTextReport.ReportPart(view.HumanText) + "\n" + view.Message.Subject);
            return;
        }
        // Several recipients: each gets the part of the human-readable report that names it, found once for all.
        List<(string Address, string Block)>? blocks = null;
        foreach (var draft in drafts)
        {
            draft.SetContext(() =>
            {
                blocks ??= PlainTextReport.Blocks(PlainTextReport.ReportPart(view.HumanText), []);
                foreach (var (address, block) in blocks)
                    if (address.Equals(draft.Address, StringComparison.OrdinalIgnoreCase))
                        return block;
                return null;
            });
        }
    }

    private static List<RecipientDraft> AutoReply(MimeMessage message)
    {
        // The auto-reply comes from the mailbox we wrote to, so its author is the recipient concerned.
        var address = Addresses.First(message.ReplyTo) is { } replyTo && message.From.Count == 0
            ? replyTo
            : Addresses.First(message.From);
        return address is null ? [] : [new RecipientDraft(address) { KnownReason = BounceReason.Vacation, Diagnostic = message.Subject }];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static BounceClassification Build(List<RecipientDraft> drafts, string? messageId, string? envelopeFrom)
    {
        var recipients = new List<BouncedRecipient>(drafts.Count);
        foreach (var draft in drafts)
            recipients.Add(ReasonResolver.Resolve(draft));
        return new BounceClassification(recipients.Count > 0, recipients, messageId, envelopeFrom);
    }
}

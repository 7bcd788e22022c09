using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// A gateway in front of the failing MTA (a mail security appliance such as Trend Micro's InterScan Messaging Security
/// Suite, or a relay) often sends its own short notice ("could not be delivered ... Unable to deliver message to
/// &lt;x&gt;") and attaches the downstream MTA's report as a message of its own. The notice names the recipient but no
/// cause; the attached report holds the SMTP reply that does. This reads that attachment as a report.
/// </summary>
internal static class NestedReport
{
    /// <summary>
    /// The outer recipients with no cause (<see cref="BounceReason.OnHold"/> or <see cref="BounceReason.Undefined"/>),
    /// completed from the attached message when that message is itself a bounce report naming the same recipient.
    /// Returns null when nothing was completed.
    /// </summary>
    public static List<BouncedRecipient>? Complete(IReadOnlyList<BouncedRecipient> outer, MimeMessage attached)
    {
        if (!outer.Any(SaysNoCause)) return null;
        var inner = Findings(attached);
        if (inner.Count == 0) return null;
        var completed = new List<BouncedRecipient>(outer.Count);
        var changed = false;
        foreach (var recipient in outer)
        {
            var found = SaysNoCause(recipient)
                ? inner.Find(r => r.Recipient.Equals(recipient.Recipient, StringComparison.OrdinalIgnoreCase))
                : null;
            completed.Add(found ?? recipient);
            changed |= found is not null;
        }
        return changed ? completed : null;
    }

    private static bool SaysNoCause(BouncedRecipient recipient) =>
        recipient.Reason is BounceReason.OnHold or BounceReason.Undefined;

    /// <summary>
    /// The attached message read as a report: by its RFC 3464 fields when it has them, else as a plain-text report.
    /// Only findings that carry what a mail server said count (an SMTP reply code, or a report with a delivery-status
    /// part): the original message a bounce returns is also attached, and its prose naming the recipient is no report.
    /// </summary>
    private static List<BouncedRecipient> Findings(MimeMessage attached)
    {
        var view = MessageView.Create(attached);
        List<RecipientDraft> drafts;
        var structured = view.DeliveryStatus is not null && DeliveryStatusReader.LooksLikeFields(view.DeliveryStatus);
        if (structured)
        {
            drafts = DeliveryStatusReader.Read(view.DeliveryStatus!);
            foreach (var draft in drafts)
                draft.SetContext(() => PlainTextReport.ReportPart(view.HumanText));
        }
        else
        {
            drafts = TextReportReader.Read(view);
        }

        var findings = new List<BouncedRecipient>(drafts.Count);
        foreach (var draft in drafts)
        {
            var finding = ReasonResolver.Resolve(draft);
            if (SaysNoCause(finding) || finding.Reason == BounceReason.Delivered) continue;
            if (structured || finding.ReplyCode is not null) findings.Add(finding);
        }
        return findings;
    }
}

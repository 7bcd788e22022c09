using System.Runtime.CompilerServices;
namespace Techmail.Bounces;

/// <summary>
/// RFC 5965 abuse/feedback reports: the complainant is the original recipient, named by Original-Rcpt-To
/// (RFC 6650 allows it to be redacted or omitted), otherwise by the returned message's To. Also the complaints that
/// carry no message/feedback-report part: ARF fields sent as plain text, and Microsoft's Junk Mail Reporting Program,
/// which returns the complained-of message with the complainant in its X-HmXmrOriginalRecipient header.
/// </summary>
internal static class FeedbackReportReader
{
    private const string MicrosoftComplainant = "X-HmXmrOriginalRecipient";

    /// <summary>
    /// A complaint without the RFC 5965 labels: the human-readable part opens with the ARF field that names the
    /// feedback type (RFC 5965 section 3.1 makes it the first field), or the returned message carries Microsoft's
    /// complainant header, which only its feedback loop adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsUnlabelledComplaint(MessageView view) =>
        view.OriginalHeaders?[MicrosoftComplainant] is not null
        || (view.HumanText.Contains("Feedback-Type:", StringComparison.OrdinalIgnoreCase) && ArfFieldsIn(view.HumanText));

    private static bool ArfFieldsIn(string text)
    {
        foreach (var group in ReportFields.ReadGroups(text))
            if (ReportFields.Get(group, "Feedback-Type") is not null && (ReportFields.Get(group, "User-Agent") is not null || ReportFields.Get(group, "Version") is not null))
                return true;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<RecipientDraft> Read(MessageView view, out string? originalMailFrom)
    {
        var recipients = new List<string>();
        originalMailFrom = null;
        string? feedbackType = null;
        foreach (var group in ReportFields.ReadGroups(view.FeedbackReport ?? view.HumanText))
        {
            foreach (var (key, value) in group)
            {
                if (key.Equals("Original-Rcpt-To", StringComparison.OrdinalIgnoreCase) || key.Equals("Removal-Recipient", StringComparison.OrdinalIgnoreCase))
                {
                    var address = ReportFields.Address(value);
                    if (address is not null && !recipients.Contains(address, StringComparer.OrdinalIgnoreCase))
                        recipients.Add(address);
                }
                else if (key.Equals("Original-Mail-From", StringComparison.OrdinalIgnoreCase))
                    originalMailFrom ??= ReportFields.Address(value);
                else if (key.Equals("Feedback-Type", StringComparison.OrdinalIgnoreCase))
                    feedbackType ??= value.Trim();
            }
        }
        if (recipients.Count == 0 && Addresses.FromHeaderValue(view.OriginalHeaders?[MicrosoftComplainant]) is { } complainant)
            recipients.Add(complainant);
        if (recipients.Count == 0 && view.OriginalHeaders is { } headers)
        {
            var to = Addresses.FromHeaderValue(headers["To"]);
            if (to is not null) recipients.Add(to);
        }
        return recipients.ConvertAll(address => new RecipientDraft(address)
        {
            KnownReason = BounceReason.Feedback,
            Diagnostic = feedbackType,
        });
    }
}

using System.Runtime.CompilerServices;
namespace Techmail.Bounces;

/// <summary>
/// RFC 5965 abuse/feedback reports: the complainant is the original recipient, named by Original-Rcpt-To
/// (RFC 6650 allows it to be redacted or omitted), otherwise by the returned message's To.
/// </summary>
internal static class FeedbackReportReader
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<RecipientDraft> Read(MessageView view, out string? originalMailFrom)
    {
        var recipients = new List<string>();
        originalMailFrom = null;
        string? feedbackType = null;
        foreach (var group in ReportFields.ReadGroups(view.FeedbackReport ?? ""))
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

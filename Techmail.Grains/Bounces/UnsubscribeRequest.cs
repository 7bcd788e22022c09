using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// A mail client answering a List-Unsubscribe mailto: link (RFC 2369) on its user's behalf. Such clients mark the
/// request as automatic (Apple Mail adds "Auto-Submitted: auto-replied" and "X-Apple-Unsubscribe: true"), so it would
/// pass for an out-of-office reply; it is the recipient opting out, which is a complaint-class signal.
/// </summary>
internal static class UnsubscribeRequest
{
    public static bool Is(MimeMessage message)
    {
        var headers = message.Headers;
        if (headers["X-Apple-Unsubscribe"] is { } apple && apple.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
            return true;
        // Other clients send the bare command the list asked for, as an automatic message.
        return headers["Auto-Submitted"] is { } auto && !auto.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase)
            && message.Subject is { } subject && subject.Trim().Equals("unsubscribe", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The mailbox that opted out: the request's author.</summary>
    public static List<RecipientDraft> Read(MimeMessage message) =>
        Addresses.First(message.From) is { } address
            ? [new RecipientDraft(address) { KnownReason = BounceReason.Feedback, Diagnostic = "opt-out" }]
            : [];
}

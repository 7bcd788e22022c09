using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// A mail client answering a List-Unsubscribe mailto: link (RFC 2369) on its user's behalf. Some clients mark the
/// request as automatic (Apple Mail adds "Auto-Submitted: auto-replied" and "X-Apple-Unsubscribe: true"), so it would
/// pass for an out-of-office reply; others send the link's subject like any mail, with or without a body. Either way
/// it is the recipient opting out, which is a complaint-class signal.
/// </summary>
/// <remarks>
/// The subject alone is enough to read a message as a request: what it may then do is the tie's to decide, and only a
/// signed VERP tag naming the sender as its recipient (or mail the tenant sent to the sender) lets it opt anyone out.
/// </remarks>
internal static class UnsubscribeRequest
{
    public static bool Is(MimeMessage message)
    {
        var headers = message.Headers;
        if (headers["X-Apple-Unsubscribe"] is { } apple && apple.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
            return true;
        // The bare command the link asks for ("?subject=unsubscribe"), marked automatic or not: a client that sends it
        // as ordinary mail, or a person who types it, means the same.
        return message.Subject is { } subject && subject.Trim().Equals("unsubscribe", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The mailbox that opted out: the request's author.</summary>
    public static List<RecipientDraft> Read(MimeMessage message) =>
        Addresses.First(message.From) is { } address
            ? [new RecipientDraft(address) { KnownReason = BounceReason.Feedback, Diagnostic = "opt-out" }]
            : [];
}

using Techmail.Incidents.Parsing;

namespace Techmail.Incidents.Speaker;

/// <summary>
/// Where answers to a customer mail go. The customer is whoever speaks (From); Reply-To only redirects the answer, and
/// only to an address the From's domain owner controls, unless the mailbox allows any Reply-To.
/// </summary>
/// <param name="Address">The address to answer.</param>
/// <param name="Ignored">Why the mail's Reply-To was not used, for the thread; null when it was used or there was none.</param>
public sealed record AnswerAddress(CustomerAddress Address, string? Ignored)
{
    public static AnswerAddress For(CustomerMessage message, bool allowAnyReplyTo)
    {
        var speaker = message.Sender;
        if (message.ReplyTo is not { } replyTo || replyTo.LookupKey == speaker.LookupKey)
        {
            return new AnswerAddress(speaker, null);
        }

        if (allowAnyReplyTo || SameOwner(Domain(speaker.Address), Domain(replyTo.Address)))
        {
            return new AnswerAddress(replyTo, null);
        }

        return new AnswerAddress(
            speaker,
            $"Reply-To {replyTo.Address} was not used: it is not in the domain of {speaker.Address}, and the mailbox does not allow any Reply-To");
    }

    /// <summary>
    /// Whether whoever controls <paramref name="from"/> also controls <paramref name="replyTo"/>, judged without a
    /// public-suffix list: the same domain, a subdomain of it (delegated by From's owner), or a parent of it with at
    /// least two labels (mail.example.com answering at example.com). Siblings (news.example.com and
    /// help.example.com) do not count: telling them apart from two customers of one registry (a.co.uk and b.co.uk)
    /// needs the list this rule does without.
    /// </summary>
    public static bool SameOwner(string from, string replyTo)
    {
        if (from.Length == 0 || replyTo.Length == 0)
        {
            return false;
        }

        if (from.Equals(replyTo, StringComparison.OrdinalIgnoreCase)
            || replyTo.EndsWith("." + from, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return from.EndsWith("." + replyTo, StringComparison.OrdinalIgnoreCase) && replyTo.Contains('.', StringComparison.Ordinal);
    }

    private static string Domain(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..].TrimEnd('.').ToLowerInvariant();
    }
}

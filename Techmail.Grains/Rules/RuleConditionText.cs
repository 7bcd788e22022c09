using System.Text.RegularExpressions;

namespace Techmail.Rules;

/// <summary>Matching one condition against one message's values.</summary>
internal static class RuleConditionText
{
    /// <summary>
    /// How long one regex may run against one value. Short, because it runs inside intake for every message; a pattern
    /// that needs longer is hostile or broken, and the rule set stays usable without it.
    /// </summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    /// <exception cref="ArgumentException">The pattern does not compile.</exception>
    public static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, RegexTimeout);

    public static IEnumerable<string> Values(RuleCondition condition, RuleInput input) => condition.Field switch
    {
        ConditionField.Mailbox => [input.Mailbox],
        ConditionField.Sender => [input.Sender],
        ConditionField.SenderDomain => [DomainOf(input.Sender)],
        ConditionField.From => input.From is null ? [] : [input.From],
        ConditionField.FromDomain => input.From is null ? [] : [DomainOf(input.From)],
        ConditionField.To => input.To,
        ConditionField.ToDomain => input.To.Select(DomainOf),
        ConditionField.Cc => input.Cc,
        ConditionField.CcDomain => input.Cc.Select(DomainOf),
        ConditionField.Subject => [input.Subject],
        ConditionField.Body => [condition.FullBody ? input.FullBody : input.Body],
        ConditionField.Header => input.Headers.Where(h => h.Name.Equals(condition.HeaderName, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value),
        _ => [],
    };

    public static bool Flag(ConditionField field, RuleInput input) => field switch
    {
        ConditionField.HasAttachments => input.HasAttachments,
        ConditionField.ContactKnown => input.ContactKnown,
        ConditionField.IsNew => input.IsNew,
        _ => false,
    };

    /// <returns>True or false, or null when the regex ran out of time.</returns>
    public static bool? Matches(ConditionOp op, string value, Regex? pattern, string text)
    {
        switch (op)
        {
            case ConditionOp.Contains:
                return text.Contains(value, StringComparison.OrdinalIgnoreCase);
            case ConditionOp.Equals:
                // Header values and subjects arrive with stray spaces that nobody means to match on.
                return text.AsSpan().Trim().Equals(value, StringComparison.OrdinalIgnoreCase);
            default:
                try
                {
                    return pattern!.IsMatch(text);
                }
                catch (RegexMatchTimeoutException)
                {
                    return null;
                }
        }
    }

    private static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..];
    }
}

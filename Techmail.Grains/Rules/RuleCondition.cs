using System.Text.RegularExpressions;

namespace Techmail.Rules;

/// <summary>
/// One test of a message. Text conditions (<see cref="Op"/> and <see cref="Value"/> set) ask whether any value of
/// the field matches; flag conditions (has attachments, contact known, is new) are true or false by themselves.
/// A class, not a record: it carries its compiled regex, which value equality would compare by reference.
/// </summary>
public sealed class RuleCondition
{
    /// <exception cref="ArgumentException">A regex condition's pattern does not compile.</exception>
    /// <param name="fullBody">For <see cref="ConditionField.Body"/>: match the whole body, quoted history included.</param>
    public RuleCondition(ConditionField field, ConditionOp? op, string? value, string? headerName, bool negate, bool fullBody = false)
    {
        FullBody = fullBody && field == ConditionField.Body;
        Field = field;
        Op = op;
        Value = value;
        HeaderName = headerName;
        Negate = negate;
        Pattern = op == ConditionOp.Regex ? RuleConditionText.Compile(value ?? "") : null;
    }

    public ConditionField Field { get; }

    public ConditionOp? Op { get; }

    public string? Value { get; }

    /// <summary>Which header, for <see cref="ConditionField.Header"/> only.</summary>
    public string? HeaderName { get; }

    /// <summary>
    /// A body condition that reads the whole body, quoted history and signature included, instead of the reply text.
    /// </summary>
    public bool FullBody { get; }

    /// <summary>The condition holds when the test does not match.</summary>
    public bool Negate { get; }

    public bool IsFlag => RuleTokens.IsFlag(Field);

    internal Regex? Pattern { get; }

    /// <summary>How an admin reads it, e.g. <c>not subject contains 'invoice'</c>.</summary>
    public string Describe()
    {
        var prefix = Negate ? "not " : "";
        var field = Field == ConditionField.Header ? $"header {HeaderName}" : FullBody ? "full body" : RuleTokens.Of(Field);
        return IsFlag ? prefix + field : $"{prefix}{field} {RuleTokens.Of(Op!.Value)} '{Value}'";
    }
}

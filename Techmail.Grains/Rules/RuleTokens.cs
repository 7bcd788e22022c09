namespace Techmail.Rules;

/// <summary>The words of the rules JSON, in one place for the reader, the writer and the messages that list them.</summary>
internal static class RuleTokens
{
    public static readonly IReadOnlyList<(ConditionField Field, string Token)> Fields =
    [
        (ConditionField.Mailbox, "mailbox"),
        (ConditionField.Sender, "sender"),
        (ConditionField.SenderDomain, "senderDomain"),
        (ConditionField.From, "from"),
        (ConditionField.FromDomain, "fromDomain"),
        (ConditionField.To, "to"),
        (ConditionField.ToDomain, "toDomain"),
        (ConditionField.Cc, "cc"),
        (ConditionField.CcDomain, "ccDomain"),
        (ConditionField.Subject, "subject"),
        (ConditionField.Body, "body"),
        (ConditionField.Header, "header"),
        (ConditionField.HasAttachments, "hasAttachments"),
        (ConditionField.ContactKnown, "contactKnown"),
        (ConditionField.IsNew, "isNew"),
    ];

    public static readonly IReadOnlyList<(ConditionOp Op, string Token)> Ops =
    [
        (ConditionOp.Contains, "contains"),
        (ConditionOp.Equals, "equals"),
        (ConditionOp.Regex, "regex"),
    ];

    public static readonly IReadOnlyList<(RuleMatch Match, string Token)> Matches =
    [
        (RuleMatch.All, "all"),
        (RuleMatch.Any, "any"),
    ];

    public static readonly IReadOnlyList<(Incidents.IncidentStatus Status, string Token)> Statuses =
    [
        (Incidents.IncidentStatus.New, "new"),
        (Incidents.IncidentStatus.Updated, "updated"),
        (Incidents.IncidentStatus.Waiting, "waiting"),
        (Incidents.IncidentStatus.Solved, "solved"),
    ];

    public static string Of(ConditionField field) => Fields.First(f => f.Field == field).Token;

    public static string Of(ConditionOp op) => Ops.First(o => o.Op == op).Token;

    public static string Of(RuleMatch match) => Matches.First(m => m.Match == match).Token;

    public static string Of(Incidents.IncidentStatus status) => Statuses.First(s => s.Status == status).Token;

    public static bool IsFlag(ConditionField field) =>
        field is ConditionField.HasAttachments or ConditionField.ContactKnown or ConditionField.IsNew;

    /// <summary>Tokens compare ignoring case: "Waiting" or "ANY" mean what they say; the writer puts them back in one spelling.</summary>
    public static bool TryParse<T>(IReadOnlyList<(T Value, string Token)> tokens, string text, out T value)
    {
        foreach (var (candidate, token) in tokens)
        {
            if (token.Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default!;
        return false;
    }

    public static string List<T>(IReadOnlyList<(T Value, string Token)> tokens) => string.Join(", ", tokens.Select(t => t.Token));
}

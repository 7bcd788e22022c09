using System.Text.Json;

namespace Techmail.Rules;

/// <summary>Reading a rule's conditions.</summary>
internal sealed partial class RuleSetReader
{
    private List<RuleCondition>? ReadConditions(JsonElement rule, string path, RuleMatch match)
    {
        path += ".conditions";
        if (!rule.TryGetProperty("conditions", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            Problem(path, "is missing; give a list of conditions ([] with match 'all' for a rule that applies to every message).");
            return null;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            Problem(path, $"must be a list, not {Kind(array)}.");
            return null;
        }

        var count = array.GetArrayLength();
        if (count == 0 && match == RuleMatch.Any)
        {
            Problem(path, "'any' of no conditions never matches; add a condition, or use match 'all' for a rule that applies to every message.");
            return null;
        }

        if (count > MaxConditions)
        {
            Problem(path, $"has {count} conditions; at most {MaxConditions} are taken.");
            return null;
        }

        var conditions = new List<RuleCondition>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            if (ReadCondition(element, $"{path}[{index++}]") is { } condition)
            {
                conditions.Add(condition);
            }
        }

        return conditions.Count == count ? conditions : null;
    }

    private RuleCondition? ReadCondition(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Problem(path, $"must be an object, not {Kind(element)}.");
            return null;
        }

        var before = _problems.Count;
        Fields(element, path, ConditionFields);
        var negate = Flag(element, "not", path) ?? false;
        if (Token(element, "field", path, RuleTokens.Fields) is not { } field)
        {
            if (!Has(element, "field"))
            {
                Problem($"{path}.field", $"is missing; use one of {RuleTokens.List(RuleTokens.Fields)}.");
            }

            return null;
        }

        var fullBody = Flag(element, "fullBody", path) ?? false;
        if (Has(element, "fullBody") && field != ConditionField.Body)
        {
            Problem($"{path}.fullBody", "only 'body' conditions choose between the reply text and the full body.");
        }

        if (RuleTokens.IsFlag(field))
        {
            foreach (var extra in new[] { "op", "value", "name" }.Where(f => Has(element, f)))
            {
                Problem($"{path}.{extra}", $"'{RuleTokens.Of(field)}' is true or false by itself and takes no {extra}; use \"not\": true for the opposite.");
            }

            return _problems.Count == before ? new RuleCondition(field, null, null, null, negate) : null;
        }

        string? headerName = null;
        if (field == ConditionField.Header)
        {
            headerName = Text(element, "name", path, required: true);
            if (headerName is not null && !IsHeaderName(headerName))
            {
                Problem($"{path}.name", $"'{headerName}' is not a header name (printable ASCII without spaces or ':', e.g. X-Priority).");
            }
        }
        else if (Has(element, "name"))
        {
            Problem($"{path}.name", "only 'header' conditions name a header.");
        }

        var op = Token(element, "op", path, RuleTokens.Ops);
        if (op is null && !Has(element, "op"))
        {
            Problem($"{path}.op", $"is missing; use one of {RuleTokens.List(RuleTokens.Ops)}.");
        }

        var value = Text(element, "value", path, required: true);
        if (value is not null && op is { } known)
        {
            CheckValue(known, value, $"{path}.value");
        }

        if (_problems.Count != before || op is null || value is null)
        {
            return null;
        }

        return new RuleCondition(field, op, value, headerName, negate, fullBody);
    }

    private void CheckValue(ConditionOp op, string value, string path)
    {
        if (value.Length > MaxConditionValueLength)
        {
            Problem(path, $"is {value.Length} characters; at most {MaxConditionValueLength}.");
        }
        else if (op != ConditionOp.Equals && value.Length == 0)
        {
            Problem(path, $"is empty; an empty {RuleTokens.Of(op)} matches every message.");
        }
        else if (op == ConditionOp.Equals && value.Trim().Length != value.Length)
        {
            Problem(path, $"'{value}' has spaces at either end; equals ignores them in the message, so it would never match.");
        }
        else if (op == ConditionOp.Regex)
        {
            try
            {
                RuleConditionText.Compile(value);
            }
            catch (ArgumentException e)
            {
                Problem(path, $"'{value}' does not compile as a regular expression: {e.Message}");
            }
        }
    }
}

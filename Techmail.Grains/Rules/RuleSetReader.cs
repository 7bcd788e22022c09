using System.Text.Json;
using Techmail.Incidents;
using Techmail.Mailboxes;

namespace Techmail.Rules;

/// <summary>
/// Walks the JSON by hand rather than deserialising it, so one pass finds every problem (not just the first) and names
/// each by its path, e.g. <c>rules[2].conditions[0].op</c>.
/// </summary>
internal sealed class RuleSetReader
{
    public const int MaxDocumentChars = 1_000_000;
    public const int MaxRules = 1000;
    public const int MaxConditions = 100;
    public const int MaxTags = 50;
    public const int MaxNameLength = 100;
    public const int MaxActionValueLength = 200;
    public const int MaxConditionValueLength = 2000;

    private static readonly string[] TopFields = ["rules"];
    private static readonly string[] RuleFields = ["name", "enabled", "match", "conditions", "actions"];
    private static readonly string[] ConditionFields = ["field", "name", "op", "value", "not"];
    private static readonly string[] ActionFields = ["queue", "priority", "category", "status", "assignee", "addTags", "suppressAcknowledgement", "stop"];

    private readonly List<ValidationError> _problems = [];

    public static (RuleSet? Set, IReadOnlyList<ValidationError> Problems) Read(string json)
    {
        var reader = new RuleSetReader();
        var rules = reader.Document(json ?? "");
        return (reader._problems.Count == 0 && rules is not null ? new RuleSet(rules) : null, reader._problems);
    }

    private List<Rule>? Document(string json)
    {
        if (json.Length > MaxDocumentChars)
        {
            Problem("$", $"the document is {json.Length:N0} characters; at most {MaxDocumentChars:N0} are taken.");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            Problem("$", $"not valid JSON: {e.Message}");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Problem("$", "must be an object: {\"rules\": [...]}.");
                return null;
            }

            Fields(root, "", TopFields);
            if (!root.TryGetProperty("rules", out var array) || array.ValueKind == JsonValueKind.Null)
            {
                Problem("rules", "is missing; give a list of rules ([] for none).");
                return null;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem("rules", $"must be a list, not {Kind(array)}.");
                return null;
            }

            if (array.GetArrayLength() > MaxRules)
            {
                Problem("rules", $"has {array.GetArrayLength()} rules; at most {MaxRules} are taken.");
                return null;
            }

            var rules = new List<Rule>();
            var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                var path = $"rules[{index}]";
                if (ReadRule(element, path) is { } rule)
                {
                    rules.Add(rule);
                }

                // Checked apart from the rest of the rule, so a duplicate is reported even when the rule has other problems.
                if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name", out var named)
                    && named.ValueKind == JsonValueKind.String && named.GetString() is { Length: > 0 } name)
                {
                    if (names.TryGetValue(name, out var first))
                    {
                        Problem($"{path}.name", $"'{name}' is already the name of rules[{first}]; names must be unique (ignoring case).");
                    }
                    else
                    {
                        names[name] = index;
                    }
                }

                index++;
            }

            return rules;
        }
    }

    private Rule? ReadRule(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Problem(path, $"must be an object, not {Kind(element)}.");
            return null;
        }

        var before = _problems.Count;
        Fields(element, path, RuleFields);
        var name = Label(element, "name", path, MaxNameLength, required: true, inHeaders: false);
        var enabled = Flag(element, "enabled", path) ?? true;
        var match = Token(element, "match", path, RuleTokens.Matches) ?? RuleMatch.All;
        var conditions = ReadConditions(element, path, match);
        var actions = ReadActions(element, path);
        return _problems.Count == before && name is not null && conditions is not null && actions is not null
            ? new Rule(name, enabled, match, conditions, actions)
            : null;
    }

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

        return new RuleCondition(field, op, value, headerName, negate);
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

    private RuleActions? ReadActions(JsonElement rule, string path)
    {
        path += ".actions";
        if (!rule.TryGetProperty("actions", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            Problem(path, "is missing; a rule must do something.");
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Problem(path, $"must be an object, not {Kind(element)}.");
            return null;
        }

        var before = _problems.Count;
        Fields(element, path, ActionFields);
        var actions = new RuleActions(
            Label(element, "queue", path, MaxActionValueLength, required: false, inHeaders: true),
            Label(element, "priority", path, MaxActionValueLength, required: false, inHeaders: true),
            Label(element, "category", path, MaxActionValueLength, required: false, inHeaders: true),
            Token(element, "status", path, RuleTokens.Statuses),
            Label(element, "assignee", path, MaxActionValueLength, required: false, inHeaders: true),
            ReadTags(element, path),
            Flag(element, "suppressAcknowledgement", path) ?? false,
            Flag(element, "stop", path) ?? false);
        if (_problems.Count != before)
        {
            return null;
        }

        if (actions.Count == 0)
        {
            Problem(path, $"does nothing; use at least one of {string.Join(", ", ActionFields)}.");
            return null;
        }

        return actions;
    }

    private List<string>? ReadTags(JsonElement actions, string path)
    {
        path += ".addTags";
        if (!actions.TryGetProperty("addTags", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            Problem(path, $"must be a list of tags, not {Kind(array)}.");
            return null;
        }

        if (array.GetArrayLength() > MaxTags)
        {
            Problem(path, $"has {array.GetArrayLength()} tags; at most {MaxTags}.");
            return null;
        }

        var tags = new List<string>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var at = $"{path}[{index++}]";
            if (element.ValueKind != JsonValueKind.String)
            {
                Problem(at, $"must be a string, not {Kind(element)}.");
                continue;
            }

            var tag = element.GetString()!;
            if (CheckLabel(tag, at, MaxNameLength, inHeaders: true))
            {
                if (tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
                {
                    Problem(at, $"'{tag}' is listed twice (tags ignore case).");
                }
                else
                {
                    tags.Add(tag);
                }
            }
        }

        return tags.Count == 0 ? null : tags;
    }

    /// <summary>Reports fields nobody reads (a typo would otherwise silently do nothing) and fields given twice.</summary>
    private void Fields(JsonElement element, string path, string[] allowed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                var hint = allowed.FirstOrDefault(a => a.Equals(property.Name, StringComparison.OrdinalIgnoreCase));
                Problem(at, hint is null
                    ? $"unknown field; the fields here are {string.Join(", ", allowed)}."
                    : $"unknown field; did you mean '{hint}'?");
            }
            else if (!seen.Add(property.Name))
            {
                Problem(at, "is given twice.");
            }
        }
    }

    private string? Text(JsonElement element, string name, string path, bool required)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Problem($"{path}.{name}", "is missing.");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Problem($"{path}.{name}", $"must be a string, not {Kind(value)}.");
            return null;
        }

        return value.GetString();
    }

    /// <summary>A name or a value that becomes an incident field: one clean line, since such values reach mail headers.</summary>
    private string? Label(JsonElement element, string name, string path, int max, bool required, bool inHeaders)
    {
        var text = Text(element, name, path, required);
        return text is not null && CheckLabel(text, $"{path}.{name}", max, inHeaders) ? text : null;
    }

    private bool CheckLabel(string text, string path, int max, bool inHeaders)
    {
        string? problem = null;
        if (text.Length == 0 || string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty.";
        }
        else if (text.Any(char.IsControl))
        {
            problem = inHeaders
                ? "contains a line break or other control character; values end up in mail headers, so they must be one plain line."
                : "contains a line break or other control character.";
        }
        else if (text.Trim().Length != text.Length)
        {
            problem = $"'{text}' has spaces at either end.";
        }
        else if (text.Length > max)
        {
            problem = $"is {text.Length} characters; at most {max}.";
        }

        if (problem is not null)
        {
            Problem(path, problem);
        }

        return problem is null;
    }

    private bool? Flag(JsonElement element, string name, string path)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Problem($"{path}.{name}", $"must be true or false, not {Kind(value)}.");
        return null;
    }

    private T? Token<T>(JsonElement element, string name, string path, IReadOnlyList<(T Value, string Token)> tokens)
        where T : struct
    {
        var text = Text(element, name, path, required: false);
        if (text is null)
        {
            return null;
        }

        if (RuleTokens.TryParse(tokens, text, out var value))
        {
            return value;
        }

        Problem($"{path}.{name}", $"'{text}' is not one of {RuleTokens.List(tokens)}.");
        return null;
    }

    private static bool Has(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>RFC 5322 field names: printable ASCII except the colon.</summary>
    private static bool IsHeaderName(string name) => name.Length is > 0 and <= 100 && name.All(c => c is > ' ' and <= '~' and not ':');

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        _ => "null",
    };

    private void Problem(string path, string message) => _problems.Add(new ValidationError(path, message));
}

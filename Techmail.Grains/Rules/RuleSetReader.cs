using System.Text.Json;
using Techmail.Incidents;
using Techmail.Mailboxes;

namespace Techmail.Rules;

/// <summary>
/// Walks the JSON by hand rather than deserialising it, so one pass finds every problem (not just the first) and names
/// each by its path, e.g. <c>rules[2].conditions[0].op</c>.
/// </summary>
internal sealed partial class RuleSetReader
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
    private static readonly string[] ConditionFields = ["field", "name", "op", "value", "not", "fullBody"];
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

    private void Problem(string path, string message) => _problems.Add(new ValidationError(path, message));
}

using System.Text.Json;

namespace Techmail.Rules;

/// <summary>Reading a rule's actions.</summary>
internal sealed partial class RuleSetReader
{
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
}

using System.Text.Json;

namespace Techmail.Rules;

/// <summary>Reading and checking single values: strings, labels, flags, tokens and unknown fields.</summary>
internal sealed partial class RuleSetReader
{
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
}

using System.Text.Json;
using System.Text.RegularExpressions;

namespace Techmail.Tests.Support;

/// <summary>
/// docs/json.md read as data: each level-3 heading names one or more commands in backticks, and the ```json block
/// under it is an example of what they print. <see cref="Compare"/> holds a real output to that example by property
/// names, level by level (values only by kind: text, number, true/false, object, array).
/// </summary>
public sealed partial class JsonShapeDocument
{
    private readonly Dictionary<string, JsonElement> _examples = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Commands => _examples.Keys;

    public static JsonShapeDocument Read(string path)
    {
        var document = new JsonShapeDocument();
        var headings = new List<string>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("### ", StringComparison.Ordinal))
            {
                headings = [.. Backticked().Matches(lines[i]).Select(m => m.Groups[1].Value)];
            }
            else if (lines[i].Trim() == "```json" && headings.Count > 0)
            {
                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                var example = JsonDocument.Parse(string.Join('\n', lines[(i + 1)..end])).RootElement.Clone();
                foreach (var command in headings)
                {
                    if (!document._examples.TryAdd(command, example))
                    {
                        throw new InvalidDataException($"{path}: '{command}' has two examples.");
                    }
                }

                headings = [];
                i = end;
            }
        }

        return document;
    }

    public bool Has(string command) => _examples.ContainsKey(command);

    /// <summary>Every difference between <paramref name="output"/> and the document's example for <paramref name="command"/>.</summary>
    public IEnumerable<string> Compare(string command, string output)
    {
        if (!_examples.TryGetValue(command, out var example))
        {
            return [$"{command}: not in docs/json.md; it printed:\n{output}"];
        }

        JsonElement real;
        try
        {
            real = JsonDocument.Parse(output).RootElement;
        }
        catch (JsonException e)
        {
            return [$"{command}: the output is not JSON ({e.Message}):\n{output}"];
        }

        var problems = new List<string>();
        Compare(command, "$", real, example, problems);
        return problems.Count == 0 ? [] : [.. problems, $"{command} printed:\n{output}"];
    }

    private static void Compare(string command, string at, JsonElement real, JsonElement example, List<string> problems)
    {
        if (real.ValueKind == JsonValueKind.Null)
        {
            // Nothing to see; the example shows what it is when there is one.
            return;
        }

        if (example.ValueKind == JsonValueKind.Null)
        {
            if (real.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                problems.Add($"{command} {at}: the document shows null where the output has an {real.ValueKind.ToString().ToLowerInvariant()}");
            }

            return;
        }

        if (Kind(real) != Kind(example))
        {
            problems.Add($"{command} {at}: the document shows {Kind(example)}, the output has {Kind(real)}");
            return;
        }

        if (real.ValueKind == JsonValueKind.Object)
        {
            // A map (keys are data, such as counts by reason): its example has the one key "*".
            if (example.EnumerateObject().Select(p => p.Name).ToList() is ["*"])
            {
                foreach (var property in real.EnumerateObject())
                {
                    Compare(command, $"{at}.{property.Name}", property.Value, example.GetProperty("*"), problems);
                }

                return;
            }

            var documented = example.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            var printed = real.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            foreach (var name in printed.Keys.Except(documented.Keys))
            {
                problems.Add($"{command} {at}.{name}: printed but not documented");
            }

            foreach (var name in documented.Keys.Except(printed.Keys))
            {
                problems.Add($"{command} {at}.{name}: documented but not printed");
            }

            foreach (var name in printed.Keys.Intersect(documented.Keys))
            {
                Compare(command, $"{at}.{name}", printed[name], documented[name], problems);
            }
        }
        else if (real.ValueKind == JsonValueKind.Array && real.GetArrayLength() > 0)
        {
            if (example.GetArrayLength() == 0)
            {
                problems.Add($"{command} {at}: the document shows an empty array, so no element's shape");
                return;
            }

            var i = 0;
            foreach (var element in real.EnumerateArray())
            {
                Compare(command, $"{at}[{i++}]", element, example[0], problems);
            }
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "true/false",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}

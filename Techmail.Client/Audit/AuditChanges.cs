using System.Globalization;
using System.Text.Json;

namespace Techmail.Client.Audit;

/// <summary>One setting an audit entry changed, by its path in the settings (<c>incoming.host</c>, <c>discardFilters[0].name</c>).</summary>
/// <param name="Before">The value before as text (JSON for anything but text); null when the setting was not there.</param>
/// <param name="After">The value after; null when it is gone.</param>
public sealed record AuditChange(string Field, string? Before, string? After);

/// <summary>
/// What an entry changed, setting by setting: both snapshots flattened to their leaves and compared. An entry that created
/// something lists every setting it was made with; one that removed it, every setting it had.
/// </summary>
public static class AuditChanges
{
    public static IReadOnlyList<AuditChange> Of(string? beforeJson, string? afterJson)
    {
        var before = Flatten(beforeJson);
        var after = Flatten(afterJson);
        return before.Keys.Union(after.Keys, StringComparer.Ordinal)
            .Select(field => new AuditChange(field, before.GetValueOrDefault(field), after.GetValueOrDefault(field)))
            .Where(change => change.Before != change.After)
            .ToList();
    }

    private static Dictionary<string, string?> Flatten(string? json)
    {
        var leaves = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (json is not null)
        {
            using var document = JsonDocument.Parse(json);
            Add(document.RootElement, "", leaves);
        }

        return leaves;
    }

    private static void Add(JsonElement element, string path, Dictionary<string, string?> leaves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Add(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", leaves);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Add(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"), leaves);
                }

                break;
            case JsonValueKind.Null:
                // A setting that is null is as good as absent: "created with no OAuth" lists nothing for it.
                break;
            case JsonValueKind.String:
                leaves[path.Length == 0 ? "value" : path] = element.GetString();
                break;
            default:
                leaves[path.Length == 0 ? "value" : path] = element.GetRawText();
                break;
        }
    }
}

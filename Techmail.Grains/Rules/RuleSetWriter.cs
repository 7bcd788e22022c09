using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Techmail.Rules;

/// <summary>
/// The one spelling of a rule set: fields in a fixed order, defaults that matter written out (enabled, match), flags
/// that are off left out, so an export is stable and a diff between two exports shows only real changes.
/// </summary>
internal static class RuleSetWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Regexes and quotes stay readable (\b, <, ') instead of \u escapes; the file never lands inside HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(RuleSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteStartArray("rules");
            foreach (var rule in set.Rules)
            {
                WriteRule(json, rule);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteRule(Utf8JsonWriter json, Rule rule)
    {
        json.WriteStartObject();
        json.WriteString("name", rule.Name);
        json.WriteBoolean("enabled", rule.Enabled);
        json.WriteString("match", RuleTokens.Of(rule.Match));
        json.WriteStartArray("conditions");
        foreach (var condition in rule.Conditions)
        {
            json.WriteStartObject();
            json.WriteString("field", RuleTokens.Of(condition.Field));
            if (condition.HeaderName is { } header)
            {
                json.WriteString("name", header);
            }

            if (condition.Op is { } op)
            {
                json.WriteString("op", RuleTokens.Of(op));
                json.WriteString("value", condition.Value);
            }

            if (condition.FullBody)
            {
                json.WriteBoolean("fullBody", true);
            }

            if (condition.Negate)
            {
                json.WriteBoolean("not", true);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteActions(json, rule.Actions);
        json.WriteEndObject();
    }

    private static void WriteActions(Utf8JsonWriter json, RuleActions actions)
    {
        json.WriteStartObject("actions");
        WriteIfSet(json, "queue", actions.Queue);
        WriteIfSet(json, "priority", actions.Priority);
        WriteIfSet(json, "category", actions.Category);
        WriteIfSet(json, "status", actions.Status is { } status ? RuleTokens.Of(status) : null);
        WriteIfSet(json, "assignee", actions.Assignee);
        if (actions.Tags.Count > 0)
        {
            json.WriteStartArray("addTags");
            foreach (var tag in actions.Tags)
            {
                json.WriteStringValue(tag);
            }

            json.WriteEndArray();
        }

        if (actions.SuppressAcknowledgement)
        {
            json.WriteBoolean("suppressAcknowledgement", true);
        }

        if (actions.Stop)
        {
            json.WriteBoolean("stop", true);
        }

        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}

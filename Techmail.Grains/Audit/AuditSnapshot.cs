using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Techmail.Mailboxes;

namespace Techmail.Audit;

/// <summary>
/// Turns what a change is recorded with into the JSON kept in the log, masking every secret: mailbox settings the way
/// <c>mailbox show</c> and a plain export mask them (<see cref="MailboxSecrets.Mask"/>; one an admin replaced shows as
/// <see cref="MailboxSecrets.ChangedMask"/>, so a password change is a change), and, whatever was passed,
/// any text under a property whose name ends in "password" or "secret", so a record added later cannot leak one.
/// </summary>
public static class AuditSnapshot
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <param name="before">For the settings after a change, the settings before: a secret replaced then shows as changed.</param>
    public static string? ToJson(object? value, object? before = null)
    {
        if (value is null)
        {
            return null;
        }

        var node = value switch
        {
            MailboxSettings settings => JsonSerializer.SerializeToNode(
                before is MailboxSettings previous ? MailboxSecrets.MaskNotingChanges(settings, previous) : MailboxSecrets.Mask(settings), Options),
            JsonNode json => json.DeepClone(),
            JsonElement element => JsonNode.Parse(element.GetRawText()),
            _ => JsonSerializer.SerializeToNode(value, value.GetType(), Options),
        };
        MaskByName(node);
        return node?.ToJsonString() ?? "null";
    }

    private static void MaskByName(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (IsSecretName(name) && child is JsonValue value && value.GetValueKind() == JsonValueKind.String
                        && value.GetValue<string>() is not (Secret.Mask or MailboxSecrets.ChangedMask))
                    {
                        obj[name] = Secret.Mask;
                    }
                    else
                    {
                        MaskByName(child);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    MaskByName(child);
                }

                break;
        }
    }

    private static bool IsSecretName(string name) =>
        name.EndsWith("password", StringComparison.OrdinalIgnoreCase) || name.EndsWith("secret", StringComparison.OrdinalIgnoreCase);
}

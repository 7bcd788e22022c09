using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Techmail.Webhooks;

/// <summary>
/// One event as receivers get it: <c>{"id", "type", "tenant", "time", "data"}</c>. The id is derived from what
/// happened (<paramref name="Key"/>: the incident's reference, the entry's sequence, ...), not drawn at random, so the
/// same change written twice (a batch redone after a crash) is the same event, queued once, and every retry of a
/// delivery carries the id a receiver de-duplicates by.
/// </summary>
/// <param name="Key">What makes this event this one within its tenant and type.</param>
/// <param name="Data">The object the event is about, serialized as camelCase JSON.</param>
public sealed record WebhookEvent(string Tenant, string Type, string Key, DateTimeOffset Time, object Data)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public string Id { get; } = IdOf(Tenant, Type, Key);

    /// <summary>The body sent, byte for byte the same on every attempt (the signature covers it).</summary>
    public string Body() => JsonSerializer.Serialize(new { id = Id, type = Type, tenant = Tenant, time = Time.ToUniversalTime(), data = Data }, Json);

    /// <summary><c>evt_</c> and 32 hex digits of SHA-256 over tenant, type and key.</summary>
    public static string IdOf(string tenant, string type, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}\n{type}\n{key}"));
        return "evt_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}

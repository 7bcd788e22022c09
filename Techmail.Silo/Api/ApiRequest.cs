using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Mailboxes;
using Techmail.Silo.Http;

namespace Techmail.Silo.Api;

/// <summary>What every endpoint reads from a request the same way: the tenant it is about, a JSON body, a date.</summary>
public static class ApiRequest
{
    /// <summary>The tenant the CLI uses when none is named.</summary>
    public const string DefaultTenant = "default";

    /// <summary>
    /// The tenant a request is about: <c>?tenant=</c>, else the caller's own (an admin's, agent's or auditor's), else
    /// <c>default</c> as for the CLI. Whether the caller may work in it is the access filter's decision at the grain
    /// call, not this method's: another tenant's name is passed on and refused there.
    /// </summary>
    /// <exception cref="ApiInputException">The name is not a tenant's name: grains keyed by tenant would otherwise take
    /// <c>acme/x</c> for a tenant of its own while the access filter reads it as <c>acme</c>.</exception>
    public static string Tenant(HttpContext context, string? tenant) =>
        string.IsNullOrWhiteSpace(tenant) ? context.Caller()?.Tenant ?? DefaultTenant
        : MailboxKey.IsValidName(tenant.Trim()) ? tenant.Trim()
        : throw new ApiInputException("tenant", $"'{tenant}' is not a tenant name (letters, digits, '.', '_' and '-', starting with a letter or digit).");

    /// <summary>
    /// The body as <typeparamref name="T"/>, read with the API's JSON options; a body that does not read names the JSON
    /// path at fault.
    /// </summary>
    public static async Task<T> Json<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            throw new ApiInputException("Content-Type", "send the body as application/json", StatusCodes.Status415UnsupportedMediaType);
        }

        try
        {
            return await request.ReadFromJsonAsync<T>(cancellationToken)
                ?? throw new ApiInputException("body", "the body is empty or null");
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body";
            throw new ApiInputException(field, $"not readable as {typeof(T).Name}: {e.Message}");
        }
    }

    /// <summary>An ISO date or date-time, UTC when it names no offset, as the CLI's <c>--since</c>.</summary>
    public static DateTimeOffset? Date(string field, string? text) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw new ApiInputException(field, $"'{text}': expected a date such as 2026-11-01 or 2026-11-01T12:00:00Z");

    /// <summary>An enum value by its name, any case (never a number).</summary>
    public static TEnum? Enum<TEnum>(string field, string? text)
        where TEnum : struct, System.Enum =>
        text is null ? null
        : System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !int.TryParse(text, out _) ? value
        : throw new ApiInputException(field, $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}");
}

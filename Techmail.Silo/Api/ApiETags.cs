using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Techmail.Silo.Api;

/// <summary>
/// ETags of versioned resources (a mailbox's settings, the tenant's rules): the version the engine keeps, as a strong
/// entity tag. An update names the version it was made on in <c>If-Match</c>, and the grain that owns the resource
/// compares it, so a change made meanwhile is a 412 and never overwritten. Nothing is compared here.
/// </summary>
public static class ApiETags
{
    public static string Of(long version) => Of(version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string Of(string version) => $"\"{version}\"";

    /// <summary>Sets the response's ETag header.</summary>
    public static void Set(HttpContext context, long version) => context.Response.Headers.ETag = Of(version);

    public static void Set(HttpContext context, string version) => context.Response.Headers.ETag = Of(version);

    /// <summary>The version an entity tag names, for resources versioned by a number; one that is not a number is no version of theirs.</summary>
    public static long? Version(string? tag) =>
        tag is null ? null
        : long.TryParse(tag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ? version
        : throw new Versions.VersionConflictException($"If-Match \"{tag}\" is not a current ETag of this resource; read it again and retry", null);

    /// <summary>
    /// The version an update asks for: the value of the one entity tag of <c>If-Match</c>, or null for <c>*</c> (whatever the version).
    /// An update without <c>If-Match</c> is refused (428), since one that is never checked could overwrite a change
    /// silently.
    /// </summary>
    public static string? Required(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new ApiInputException(HeaderNames.IfMatch,
                "send the ETag you read as If-Match (or If-Match: * to change whatever the version)", StatusCodes.Status428PreconditionRequired);
        }

        return Parse(header);
    }

    /// <summary>As <see cref="Required"/>, but an action without <c>If-Match</c> (enable, remove) is taken on any version.</summary>
    public static string? Optional(HttpRequest request) =>
        string.IsNullOrWhiteSpace(request.Headers.IfMatch.ToString()) ? null : Parse(request.Headers.IfMatch.ToString());

    private static string? Parse(string header)
    {
        if (header.Trim() == "*")
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParseList([header], out var tags) || tags.Count != 1)
        {
            throw new ApiInputException(HeaderNames.IfMatch, "expected one entity tag, as the ETag header gave it, or *");
        }

        // A weak tag never matches for If-Match (RFC 9110 13.1.1).
        var tag = tags[0];
        return tag.IsWeak
            ? throw new Versions.VersionConflictException($"If-Match {tag} is weak; it never matches an update (RFC 9110)", null)
            : tag.Tag.ToString().Trim('"');
    }
}

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
    public static string Of(long version) => $"\"{version}\"";

    /// <summary>Sets the response's ETag header.</summary>
    public static void Set(HttpContext context, long version) => context.Response.Headers.ETag = Of(version);

    /// <summary>
    /// The version an update asks for: the one entity tag of <c>If-Match</c>, or null for <c>*</c> (whatever the version).
    /// An update without <c>If-Match</c> is refused (428), since one that is never checked could overwrite a change
    /// silently.
    /// </summary>
    public static long? Required(HttpRequest request)
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
    public static long? Optional(HttpRequest request) =>
        string.IsNullOrWhiteSpace(request.Headers.IfMatch.ToString()) ? null : Parse(request.Headers.IfMatch.ToString());

    private static long? Parse(string header)
    {
        if (header.Trim() == "*")
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParseList([header], out var tags) || tags.Count != 1)
        {
            throw new ApiInputException(HeaderNames.IfMatch, "expected one entity tag, as the ETag header gave it, or *");
        }

        // A weak tag never matches for If-Match (RFC 9110 13.1.1); nor does one that is not a version of ours.
        var tag = tags[0];
        if (tag.IsWeak || !long.TryParse(tag.Tag.AsSpan().Trim('"'), System.Globalization.NumberStyles.None, null, out var version))
        {
            throw new Versions.VersionConflictException($"If-Match {tag} is not a current ETag of this resource; read it again and retry", -1);
        }

        return version;
    }
}

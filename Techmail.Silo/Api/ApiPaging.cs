using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Techmail.Silo.Api;

/// <summary>One page of a list: <see cref="Next"/> is the cursor of the page after it (<c>?cursor=</c>), null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Opaque paging cursors: the engine's own position (the name a mailbox page ends at, the reference an incident page
/// ends at) wrapped with the list it belongs to, so a cursor is never read by the wrong list and clients keep no
/// meaning in it.
/// </summary>
public static class ApiPaging
{
    public const string CursorField = "cursor", LimitField = "limit";

    public static string? Encode(string list, string? position) =>
        position is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{list}:{position}"));

    /// <summary>The position a cursor of <paramref name="list"/> holds; null when there is no cursor (the first page).</summary>
    public static string? Decode(string list, string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw new ApiInputException(CursorField, "not a cursor this API gave out; pass the 'next' of the previous page as it is");
        }

        return text.StartsWith(list + ":", StringComparison.Ordinal) && text.Length > list.Length + 1
            ? text[(list.Length + 1)..]
            : throw new ApiInputException(CursorField, $"not a cursor of the {list} list; pass the 'next' of this list's previous page");
    }

    /// <summary>The page size asked for, checked against the list's limits.</summary>
    public static int Limit(int? limit, int fallback, int max) => limit switch
    {
        null => fallback,
        < 1 => throw new ApiInputException(LimitField, $"from 1 to {max}"),
        _ when limit > max => throw new ApiInputException(LimitField, $"from 1 to {max}"),
        _ => limit.Value,
    };
}

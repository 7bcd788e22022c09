using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Paging;

namespace Techmail.Silo.Api;

/// <summary>One page of a list: <see cref="Next"/> is the cursor of the page after it (<c>?cursor=</c>), null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>The names cursors carry, one a list: the API and the console's pages give out and take the same cursors.</summary>
public static class PagedList
{
    public const string Audit = "audit", Bounces = "bounces", InvalidAddresses = "invalid-addresses", Quarantine = "quarantine",
        Outbox = "outbox", Mailings = "mailings", Trace = "trace";
}

/// <summary>What a list's positions hold: whether they carry a time, a key that is a number (an id), a second key part.</summary>
public sealed record PositionShape(bool Timed, bool NumericKey, bool Tied)
{
    /// <summary>Ordered by name alone (invalid addresses).</summary>
    public static readonly PositionShape Name = new(false, false, false);

    /// <summary>Ordered by id alone, ids rising as rows are added (outbox, mailings).</summary>
    public static readonly PositionShape Id = new(false, true, false);

    /// <summary>Ordered by time, ties by id (audit).</summary>
    public static readonly PositionShape TimeAndId = new(true, true, false);

    /// <summary>Ordered by time, ties by a text key (quarantine, trace).</summary>
    public static readonly PositionShape TimeAndKey = new(true, false, false);

    /// <summary>Ordered by time, ties by a key of two parts (bounces).</summary>
    public static readonly PositionShape TimeAndTwoKeys = new(true, false, true);
}

/// <summary>
/// Opaque paging cursors: the engine's own position (the name a mailbox page ends at, the reference an incident page
/// ends at, the sort values of the last row of the other lists) wrapped with the list it belongs to, so a cursor is
/// never read by the wrong list and clients keep no meaning in it.
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

    /// <summary>The page as the API answers it: its rows, and the cursor of the next page of <paramref name="list"/>.</summary>
    public static Page<T> Of<T>(string list, ListPage<T> page) => new(page.Items, Encode(list, page.Next));

    public static string? Encode(string list, ListPosition? position) =>
        position is null
            ? null
            : Encode(list, JsonSerializer.Serialize(new[]
            {
                // Ticks, not a formatted time: the store compares the exact value it wrote, to the tick.
                position.Time?.UtcTicks.ToString(CultureInfo.InvariantCulture), position.Key, position.Tie,
            }));

    /// <summary>
    /// The position a cursor of <paramref name="list"/> holds, checked against what the list's positions hold; null when
    /// there is no cursor (the first page).
    /// </summary>
    public static ListPosition? Position(string list, string? cursor, PositionShape shape)
    {
        if (Decode(list, cursor) is not { } text)
        {
            return null;
        }

        string?[]? parts;
        try
        {
            parts = JsonSerializer.Deserialize<string?[]>(text);
        }
        catch (JsonException)
        {
            parts = null;
        }

        if (parts is not [var ticksText, { Length: > 0 } key, var tie]
            || (ticksText is null) == shape.Timed
            || (tie is null) == shape.Tied
            || (shape.NumericKey && !long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new ApiInputException(CursorField, $"not a cursor of the {list} list; pass the 'next' of this list's previous page");
        }

        DateTimeOffset? time = null;
        if (ticksText is not null)
        {
            if (!long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                throw new ApiInputException(CursorField, $"not a cursor of the {list} list; pass the 'next' of this list's previous page");
            }

            time = new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        return new ListPosition(time, key, tie);
    }
}

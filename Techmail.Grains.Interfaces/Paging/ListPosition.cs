namespace Techmail.Paging;

/// <summary>
/// Where a list read a page at a time continues: the sort values of the last row shown. A list continues strictly
/// after it, so rows added meanwhile above it never push rows already shown onto the next page, and a page deep in the
/// list costs what the first does.
/// </summary>
/// <param name="Time">The row's time, for lists ordered by time (audit, bounces, quarantine, trace); null otherwise.</param>
/// <param name="Key">The row's id or name: ties of <see cref="Time"/> are ordered by it, and it alone orders the other lists.</param>
/// <param name="Tie">The second part of a key made of two (a bounce is one recipient of one message); null otherwise.</param>
[GenerateSerializer, Immutable, Alias("Techmail.ListPosition")]
public sealed record ListPosition(
    [property: Id(0)] DateTimeOffset? Time,
    [property: Id(1)] string Key,
    [property: Id(2)] string? Tie = null)
{
    public static ListPosition OfName(string name) => new(null, name);

    public static ListPosition OfId(long id) => new(null, id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The key as the number it is in lists ordered by id; callers that take positions from outside check it first.</summary>
    public long Id => long.Parse(Key, System.Globalization.CultureInfo.InvariantCulture);
}

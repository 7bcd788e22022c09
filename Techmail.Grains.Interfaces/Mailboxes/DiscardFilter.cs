namespace Techmail.Mailboxes;

public enum FilterField
{
    FromAddress,
    SenderDomain,
    Subject,
    Body,
    Header,
}

public enum FilterMatch
{
    Contains,
    Equals,
    Regex,
}

/// <summary>Mail matching a discard filter is recorded under the filter's name and deleted, never handed on.</summary>
/// <param name="HeaderName">Which header to test when <paramref name="Field"/> is <see cref="FilterField.Header"/>.</param>
[GenerateSerializer, Immutable, Alias("Techmail.DiscardFilter")]
public sealed record DiscardFilter(
    [property: Id(0)] string Name,
    [property: Id(1)] FilterField Field,
    [property: Id(2)] FilterMatch Match,
    [property: Id(3)] string Value,
    [property: Id(4)] string? HeaderName = null);

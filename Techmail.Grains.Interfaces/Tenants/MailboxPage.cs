namespace Techmail.Tenants;

[GenerateSerializer, Immutable, Alias("Techmail.MailboxPage")]
public sealed record MailboxPage(
    [property: Id(0)] IReadOnlyList<MailboxSummary> Items,
    [property: Id(1)] int Total,
    [property: Id(2)] string? NextAfter)
{
    /// <summary>The most one page may hold.</summary>
    public const int MaxTake = 1000;
}

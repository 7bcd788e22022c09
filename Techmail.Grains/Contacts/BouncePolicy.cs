namespace Techmail.Contacts;

/// <summary>When bounces make an address invalid. The defaults are the product's.</summary>
public sealed record BouncePolicy
{
    /// <summary>Soft-bounced addresses keep being mailed (retried) this long after their last soft bounce.</summary>
    public TimeSpan SoftRetryWindow { get; init; } = TimeSpan.FromDays(7);

    /// <summary>This many soft bounces within <see cref="SoftCountWindow"/> make the address invalid.</summary>
    public int SoftLimit { get; init; } = 3;

    public TimeSpan SoftCountWindow { get; init; } = TimeSpan.FromDays(15);

    /// <summary>How many bounces an address keeps in its history.</summary>
    public int HistoryLength { get; init; } = 50;
}

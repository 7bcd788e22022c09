namespace Techmail.Polling;

/// <summary>What screening decided for one message, and why.</summary>
/// <param name="Reason">Words fit for the trace and for an admin; null when accepted.</param>
/// <param name="FilterName">The discard filter that matched; null unless discarded.</param>
public sealed record ScreenVerdict(ScreenOutcome Outcome, string? Reason, string? FilterName)
{
    // Shared so the common case allocates nothing.
    public static ScreenVerdict Accepted { get; } = new(ScreenOutcome.Accept, null, null);

    public static ScreenVerdict Discarded(string filterName, string reason) => new(ScreenOutcome.Discard, reason, filterName);

    public static ScreenVerdict Rejected(string reason) => new(ScreenOutcome.Reject, reason, null);
}

namespace Techmail.Bounces;

/// <summary>The outcome of reading one message as a possible bounce.</summary>
public sealed record BounceClassification(
    bool IsBounce,
    IReadOnlyList<BouncedRecipient> Recipients,
    string? OriginalMessageId,
    string? OriginalEnvelopeFrom)
{
    public static BounceClassification NotABounce { get; } = new(false, [], null, null);
}

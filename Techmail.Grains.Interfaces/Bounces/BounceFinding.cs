namespace Techmail.Bounces;

/// <summary>What the classifier found about one recipient of a bounce, carried from the mailbox to bounce intake.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.BounceFinding")]
public sealed record BounceFinding(
    [property: Id(0)] string Address,
    [property: Id(1)] string Reason,
    [property: Id(2)] bool? HardBounce,
    [property: Id(3)] string? Status,
    [property: Id(4)] string? ReplyCode,
    [property: Id(5)] string? Diagnostic);

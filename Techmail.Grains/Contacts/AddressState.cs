using Techmail.Bounces;

namespace Techmail.Contacts;

[GenerateSerializer, Alias("Techmail.AddressState")]
public sealed class AddressState
{
    [Id(0)] public bool Invalid { get; set; }
    [Id(1)] public string? InvalidReason { get; set; }
    [Id(2)] public DateTimeOffset? InvalidSince { get; set; }
    [Id(3)] public bool OptedOut { get; set; }
    [Id(4)] public List<BounceEvent> History { get; set; } = [];

    /// <summary>Soft bounces before this moment no longer count (set when an admin revalidates).</summary>
    [Id(5)] public DateTimeOffset CountSoftAfter { get; set; } = DateTimeOffset.MinValue;
}

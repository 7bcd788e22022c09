namespace Techmail.Bounces;

/// <summary>What Techmail knows about one address of a tenant: whether mail to it should still be sent.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.AddressStatus")]
public sealed record AddressStatus(
    [property: Id(0)] string Address,
    [property: Id(1)] bool Invalid,
    [property: Id(2)] string? InvalidReason,
    [property: Id(3)] DateTimeOffset? InvalidSince,
    [property: Id(4)] bool OptedOut,
    [property: Id(5)] IReadOnlyList<BounceEvent> History)
{
    public static AddressStatus Unknown(string address) => new(address, false, null, null, false, []);
}

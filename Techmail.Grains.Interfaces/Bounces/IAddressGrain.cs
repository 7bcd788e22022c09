namespace Techmail.Bounces;

/// <summary>One address of one tenant: its bounce history and invalid flag. Key: "{tenant}/{normalised address}".</summary>
[Alias("Techmail.IAddressGrain")]
public interface IAddressGrain : IGrainWithStringKey
{
    /// <summary>Records a bounce once (by message key) and applies the tenant's policy.</summary>
    [Alias("RecordBounce"), Requires(Permission.Engine)]
    Task<AddressStatus> RecordBounce(BounceEvent bounce);

    [Alias("Get"), Requires(Permission.ReadWork)]
    Task<AddressStatus> Get();

    /// <summary>An admin vouches for the address again: valid, opted in, the soft-bounce count cleared.</summary>
    [Alias("Revalidate"), Requires(Permission.ReviseAddresses)]
    Task<AddressStatus> Revalidate();
}

public static class AddressKey
{
    public static string Normalize(string address) => address.Trim().Trim('<', '>').ToLowerInvariant();

    public static string For(string tenant, string address) => $"{tenant}/{Normalize(address)}";
}

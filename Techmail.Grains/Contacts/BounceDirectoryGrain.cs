using Techmail.Bounces;

namespace Techmail.Contacts;

public sealed class BounceDirectoryGrain(BounceStore bounces, AddressStore addresses) : Grain, IBounceDirectoryGrain
{
    public Task<IReadOnlyList<BounceRecord>> List(BounceQuery query) => bounces.List(this.GetPrimaryKeyString(), query);

    public Task<IReadOnlyList<AddressStatus>> Invalid(int take) => addresses.Unmailable(this.GetPrimaryKeyString(), Math.Clamp(take, 1, 10_000));
}

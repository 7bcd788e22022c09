using Techmail.Bounces;
using Techmail.Paging;

namespace Techmail.Contacts;

public sealed class BounceDirectoryGrain(BounceStore bounces, AddressStore addresses) : Grain, IBounceDirectoryGrain
{
    public Task<ListPage<BounceRecord>> List(BounceQuery query) => bounces.List(this.GetPrimaryKeyString(), query);

    public Task<ListPage<AddressStatus>> Invalid(int take, ListPosition? after = null) =>
        addresses.Unmailable(this.GetPrimaryKeyString(), Math.Clamp(take, 1, AddressStore.MaxTake), after?.Key);
}

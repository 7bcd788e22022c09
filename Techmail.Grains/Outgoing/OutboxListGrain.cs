using Techmail.Paging;

namespace Techmail.Outgoing;

/// <summary>Lists a tenant's outbox rows; any silo can answer from the table.</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class OutboxListGrain(OutboxStore store) : Grain, IOutboxListGrain
{
    public Task<ListPage<OutboxEntry>> List(string? mailbox, OutboxState? state, int take, ListPosition? after = null) =>
        store.List(this.GetPrimaryKeyString(), mailbox, state, Math.Clamp(take, 1, OutboxStore.MaxListTake), after?.Id);
}

using Orleans.Concurrency;

namespace Techmail.Audit;

[StatelessWorker]
public sealed class AuditLogGrain(AuditStore store) : Grain, IAuditLogGrain
{
    public Task<Paging.ListPage<AuditEntry>> List(AuditQuery query) => store.List(query);
}

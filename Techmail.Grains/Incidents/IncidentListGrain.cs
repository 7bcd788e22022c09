using Orleans.Concurrency;

namespace Techmail.Incidents;

[StatelessWorker]
public sealed class IncidentListGrain(IncidentListStore store) : Grain, IIncidentListGrain
{
    public Task<IncidentPage> List(IncidentQuery query) => store.List(query);

    public Task<IReadOnlyList<IncidentCount>> Counts(string tenant) => store.Counts(tenant);
}

using Orleans.Concurrency;
using Techmail.Incidents;
using Techmail.Polling;

namespace Techmail.Intake;

/// <summary>Records Service mail durably; turning it into incidents builds on this record.</summary>
[StatelessWorker]
public sealed class IncidentIntakeGrain(InboundStore store) : Grain, IIncidentIntakeGrain
{
    public Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages) => store.Record("incident", messages);
}

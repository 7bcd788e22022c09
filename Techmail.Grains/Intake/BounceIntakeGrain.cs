using Orleans.Concurrency;
using Techmail.Bounces;
using Techmail.Polling;

namespace Techmail.Intake;

/// <summary>Records Marketing mail durably; bounce classification builds on this record.</summary>
[StatelessWorker]
public sealed class BounceIntakeGrain(InboundStore store) : Grain, IBounceIntakeGrain
{
    public Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages) => store.Record("bounce", messages);
}

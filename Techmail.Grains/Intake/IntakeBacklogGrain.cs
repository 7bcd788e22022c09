using Orleans.Concurrency;

namespace Techmail.Intake;

/// <summary>Answers backlog questions from the database on whichever silo is asked.</summary>
[StatelessWorker]
public sealed class IntakeBacklogGrain(IntakeBacklogReader reader) : Grain, IIntakeBacklogGrain
{
    public Task<IntakeBacklog> ForMailbox(string tenant, string mailbox) => reader.Read(tenant, mailbox);

    public Task<IntakeBacklog> ForCluster() => reader.Read(null, null);
}

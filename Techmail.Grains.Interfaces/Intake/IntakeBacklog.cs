using Techmail.Quarantine;

namespace Techmail.Intake;

/// <summary>
/// What became of the mail a mailbox (or the whole cluster) recorded for intake: built into incidents or bounces, set
/// aside, or still waiting, and why the waiting has not moved when it has not.
/// </summary>
/// <param name="Recorded">Mail recorded and still remembered (intake forgets built mail after the trace retention).</param>
/// <param name="Built">Turned into incidents, incident entries or bounces.</param>
/// <param name="Waiting">Recorded, not built yet.</param>
/// <param name="Failing">Waiting mail whose last build failed for an outage; tried again.</param>
/// <param name="SetAside">Quarantined or held by the incident builder.</param>
/// <param name="Duplicates">Second copies of mail already built.</param>
/// <param name="OldestWaiting">When the oldest waiting mail was recorded.</param>
/// <param name="OldestWaitingMailbox">Where it waits, as "tenant/mailbox" (for the cluster-wide backlog).</param>
/// <param name="LastError">The newest failure of this intake: a waiting mail's build, or a mail set aside.</param>
[GenerateSerializer, Immutable, Alias("Techmail.IntakeBacklog")]
public sealed record IntakeBacklog(
    [property: Id(0)] long Recorded,
    [property: Id(1)] long Built,
    [property: Id(2)] long Waiting,
    [property: Id(3)] long Failing,
    [property: Id(4)] long SetAside,
    [property: Id(5)] long Duplicates,
    [property: Id(6)] DateTimeOffset? OldestWaiting,
    [property: Id(7)] string? OldestWaitingMailbox,
    [property: Id(8)] IntakeError? LastError)
{
    public static IntakeBacklog Empty { get; } = new(0, 0, 0, 0, 0, 0, null, null, null);
}

/// <summary>A failure in intake: what it said, the stage it came from, and when.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.IntakeError")]
public sealed record IntakeError([property: Id(0)] string Message, [property: Id(1)] MailStage Stage, [property: Id(2)] DateTimeOffset At);

/// <summary>Reads the intake backlog. Key: 0; any silo answers.</summary>
[Alias("Techmail.IIntakeBacklogGrain")]
public interface IIntakeBacklogGrain : IGrainWithIntegerKey
{
    [Alias("ForMailbox"), Requires(Permission.ReadSettings)]
    Task<IntakeBacklog> ForMailbox([TenantArgument] string tenant, string mailbox);

    /// <summary>Every tenant's mailboxes together, with where the oldest waiting mail is.</summary>
    [Alias("ForCluster"), Requires(Permission.ReadCluster)]
    Task<IntakeBacklog> ForCluster();
}

using Techmail.Polling;

namespace Techmail.Quarantine;

public enum ReprocessProgress
{
    /// <summary>Handed on, not yet at its end: the forward waits in the outbox, or the mail for the incident builder.</summary>
    Waiting,
    /// <summary>At its end as asked: an incident, a bounce, a discard, or a forward the relay took.</summary>
    Done,
    /// <summary>At its end, but not as hoped: still or again quarantined, or the forward was refused for good.</summary>
    Failed,
}

/// <summary>What became of a reprocessed quarantined message, followed through the stages behind the reprocessing.</summary>
/// <param name="Verdict">What screening decided this time.</param>
/// <param name="Summary">One line for a person, e.g. "became incident 261207-000012" or "forward queued as outbox mail #7".</param>
/// <param name="OutboxId">The forward of a rejected message, in the mailbox's outbox.</param>
/// <param name="Incident">The incident the message became or was added to.</param>
/// <param name="QuarantinedAgain">The quarantine id (the same row: one per message) when a later stage set the message aside again.</param>
[GenerateSerializer, Immutable, Alias("Techmail.ReprocessOutcome")]
public sealed record ReprocessOutcome(
    [property: Id(0)] string QuarantineId,
    [property: Id(1)] TraceVerdict Verdict,
    [property: Id(2)] ReprocessProgress Progress,
    [property: Id(3)] string Summary,
    [property: Id(4)] long? OutboxId = null,
    [property: Id(5)] string? Incident = null,
    [property: Id(6)] string? QuarantinedAgain = null);

namespace Techmail.Polling;

public enum TraceVerdict
{
    Accepted,
    Discarded,
    Rejected,
    Quarantined,
    Duplicate,
}

/// <summary>What happened to one message: every message a mailbox takes off a server leaves one.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.TraceEntry")]
public sealed record TraceEntry(
    [property: Id(0)] string MessageKey,
    [property: Id(1)] string ServerUid,
    [property: Id(2)] string? MessageId,
    [property: Id(3)] string? From,
    [property: Id(4)] string? Subject,
    [property: Id(5)] long Size,
    [property: Id(6)] TraceVerdict Verdict,
    [property: Id(7)] string? Reason,
    [property: Id(8)] DateTimeOffset Time);

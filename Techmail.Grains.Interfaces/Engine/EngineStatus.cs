namespace Techmail.Engine;

/// <summary>
/// The whole engine at a glance. Nothing is sent or received while <see cref="EnabledMailboxes"/> is zero.
/// <see cref="Limits"/>: every silo's poll session limits that polls waited for, or that a host's pushback cut, within
/// the polling window.
/// </summary>
[GenerateSerializer, Immutable, Alias("Techmail.EngineStatus")]
public sealed record EngineStatus(
    [property: Id(0)] int Tenants,
    [property: Id(1)] int Mailboxes,
    [property: Id(2)] int EnabledMailboxes,
    [property: Id(3)] string Storage,
    [property: Id(4)] string Message,
    [property: Id(5)] PollingSummary Polling,
    [property: Id(6)] IReadOnlyList<SessionLimitSummary> Limits)
{
    public bool Ready => EnabledMailboxes > 0;
}

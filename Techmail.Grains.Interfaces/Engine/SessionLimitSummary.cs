namespace Techmail.Engine;

/// <summary>
/// One poll session limit of one silo, as it stood at <see cref="Updated"/>: the silo's cap (<see cref="Scope"/>
/// "silo"), a host's adaptive limit ("host", with <see cref="Host"/>) or the per-account limits of every account
/// together ("accounts", whose <see cref="Limit"/> is 0). <see cref="Reached"/>: a poll waited for it within the
/// status window.
/// </summary>
[GenerateSerializer, Immutable, Alias("Techmail.SessionLimitSummary")]
public sealed record SessionLimitSummary(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Scope,
    [property: Id(2)] string? Host,
    [property: Id(3)] int Limit,
    [property: Id(4)] int Floor,
    [property: Id(5)] int Ceiling,
    [property: Id(6)] int InUse,
    [property: Id(7)] int Waiting,
    [property: Id(8)] long Waits,
    [property: Id(9)] DateTimeOffset? LastWait,
    [property: Id(10)] long Pushbacks,
    [property: Id(11)] string? LastPushback,
    [property: Id(12)] DateTimeOffset? LastCut,
    [property: Id(13)] DateTimeOffset Updated,
    [property: Id(14)] bool Reached);

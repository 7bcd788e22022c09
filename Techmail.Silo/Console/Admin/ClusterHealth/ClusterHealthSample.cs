namespace Techmail.Silo.WebConsole.Admin.ClusterHealth;

/// <summary>
/// The cluster's polling and intake at one moment, as the health chart plots it: how late scheduled polls started
/// over the engine's status window, and how much recorded mail waits to become incidents or bounces.
/// </summary>
/// <param name="Waiting">Mail recorded and not yet built, every tenant together.</param>
/// <param name="Failing">Of that, mail whose last build failed for an outage.</param>
public sealed record ClusterHealthSample(
    DateTimeOffset At,
    TimeSpan LatenessP50,
    TimeSpan LatenessP99,
    TimeSpan LatenessMax,
    long Polls,
    long FailedPolls,
    long Waiting,
    long Failing);

namespace Techmail.Engine;

/// <summary>
/// How polling went across the cluster over a recent window: how many scheduled polls started, how late
/// (against the time each was due), and every due poll that did not run or ran twice.
/// </summary>
[GenerateSerializer, Immutable, Alias("Techmail.PollingSummary")]
public sealed record PollingSummary(
    [property: Id(0)] TimeSpan Window,
    [property: Id(1)] int Silos,
    [property: Id(2)] long Polls,
    [property: Id(3)] TimeSpan LatenessP50,
    [property: Id(4)] TimeSpan LatenessP99,
    [property: Id(5)] TimeSpan LatenessMax,
    [property: Id(6)] long BusySkips,
    [property: Id(7)] long BackoffSkips,
    [property: Id(8)] long MissedTicks,
    [property: Id(9)] long DoubledTicks,
    [property: Id(10)] long FailedPolls,
    [property: Id(11)] long Messages)
{
    public double PollsPerSecond => Window > TimeSpan.Zero ? Polls / Window.TotalSeconds : 0;
}

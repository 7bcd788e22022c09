using Techmail.Engine;
using Techmail.Intake;

namespace Techmail.Silo.WebConsole.Admin.ClusterHealth;

/// <summary>
/// Samples the cluster's polling lateness and intake backlog every <see cref="Interval"/> into this silo's
/// <see cref="ClusterHealthHistory"/>. It asks the same grains as <c>techmail status</c>, as the engine's own work (a
/// hosted service's calls are marked as the engine's); who may then see the chart is the page's caller's question,
/// asked of the engine on every view. A sample that fails (a database away for a moment) is skipped and logged: a gap
/// in the chart says what happened.
/// </summary>
public sealed class ClusterHealthSampler(IGrainFactory grains, ClusterHealthHistory history, TimeProvider time, ILogger<ClusterHealthSampler> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30), FirstSample = TimeSpan.FromSeconds(5);

    /// <summary>One sample now; the page also calls it when the history is still empty right after a start.</summary>
    public async Task<ClusterHealthSample> Sample()
    {
        var status = await grains.GetGrain<IEngineGrain>(0).GetStatus();
        var backlog = await grains.GetGrain<IIntakeBacklogGrain>(0).ForCluster();
        var p = status.Polling;
        var sample = new ClusterHealthSample(time.GetUtcNow(), p.LatenessP50, p.LatenessP99, p.LatenessMax, p.Polls, p.FailedPolls, backlog.Waiting, backlog.Failing);
        history.Add(sample);
        return sample;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first sample waits a moment: the silo is still joining the cluster when hosted services start.
        await Task.Delay(FirstSample, time, stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await Sample();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not sample the cluster's health for the console's chart: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

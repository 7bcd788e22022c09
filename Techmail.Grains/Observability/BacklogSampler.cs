using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Techmail.Intake;
using Techmail.Outgoing;

namespace Techmail.Observability;

/// <summary>
/// Reads the intake backlog, the outbox queue and the mailboxes needing reconnecting every few seconds for the gauges of <see cref="TechmailMetrics"/>. The
/// figures are cluster-wide (every silo reads the same database), so dashboards take their max across silos.
/// </summary>
public sealed class BacklogSampler(IntakeBacklogReader intake, OutboxStore outbox, Connections.MailboxGrantStore grants, TimeProvider time, ILogger<BacklogSampler> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var failing = false;
        do
        {
            try
            {
                await Sample();
                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Said once per outage, not every 15 s; /readyz names the database while it lasts.
                if (!failing)
                {
                    logger.LogWarning("Could not read the intake backlog and outbox queue for the metrics: {Error}", Faults.Faults.Summary(e));
                }

                failing = true;
            }
        }
        while (await Tick(timer, stoppingToken));
    }

    internal async Task Sample()
    {
        var (waiting, oldestWaiting) = await intake.ClusterWaiting();
        var (queued, oldestQueued) = await outbox.ClusterQueue();
        var needsReconnecting = await grants.CountNeedingReconnect();
        var now = time.GetUtcNow();
        TechmailMetrics.Backlog = new BacklogSample(
            waiting,
            Age(oldestWaiting, now),
            queued,
            Age(oldestQueued, now),
            needsReconnecting,
            Environment.TickCount64);
    }

    private static double Age(DateTimeOffset? since, DateTimeOffset now) => since is { } t ? Math.Max(0, (now - t).TotalSeconds) : 0;

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

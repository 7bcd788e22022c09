using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Techmail.Polling;

/// <summary>
/// Writes this silo's poll timing to the database every few seconds: one small upsert per changed minute, and one per
/// changed session limit, so status reads the whole cluster's figures without calling every silo.
/// </summary>
public sealed class PollStatisticsFlusher(
    PollStatistics statistics,
    PollStatisticsStore store,
    SessionLimitsRecorder limits,
    SessionLimitsStore limitsStore,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<PollStatisticsFlusher> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await Flush(stoppingToken);
                if (time.GetUtcNow() - lastPrune > TimeSpan.FromHours(1))
                {
                    lastPrune = time.GetUtcNow();
                    try
                    {
                        await store.Prune(lastPrune - Retention, stoppingToken);
                        await limitsStore.Prune(lastPrune - Retention, stoppingToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // Old rows can wait an hour; a failed prune must never take the silo down with it.
                        logger.LogWarning("Could not prune poll statistics: {Error}", e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // The last few seconds too. Polls that end while the silo deactivates its grains, after this, are not counted.
        await Flush(CancellationToken.None);
    }

    private async Task Flush(CancellationToken cancellationToken)
    {
        var changed = statistics.TakeChanged();
        try
        {
            await store.Write(silo.SiloAddress.ToParsableString(), changed, cancellationToken);
        }
        catch (Exception e)
        {
            // Statistics must never disturb polling; the next flush (or the final one) writes the minutes whole again.
            statistics.MarkChanged(changed);
            if (e is OperationCanceledException)
            {
                throw;
            }

            logger.LogWarning("Could not record poll statistics: {Error}", e.Message);
        }

        var rows = limits.Changed(time.GetUtcNow());
        try
        {
            await limitsStore.Write(silo.SiloAddress.ToParsableString(), rows, cancellationToken);
        }
        catch (Exception e)
        {
            limits.Unwritten(rows);
            if (e is OperationCanceledException)
            {
                throw;
            }

            logger.LogWarning("Could not record poll session limits: {Error}", e.Message);
        }
    }
}

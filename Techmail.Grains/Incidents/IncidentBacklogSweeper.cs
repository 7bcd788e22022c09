using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Incidents;

/// <summary>
/// Every few minutes, wakes the incident builder of every mailbox with mail still waiting, and once an hour prunes
/// the raw copies intake has finished with. Builders are normally woken by the poll that records mail; this is for
/// mail left waiting when the silo building it died, which nothing else would wake until that mailbox got new mail.
/// </summary>
public sealed class IncidentBacklogSweeper(
    InboundStore inbound,
    IGrainFactory grains,
    PollingLimits limits,
    TimeProvider time,
    ILogger<IncidentBacklogSweeper> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTimeOffset.MinValue;
        // The first sweep soon after start, once the silo takes grain calls: mail a restarted silo left waiting.
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(15), time, stoppingToken);
            do
            {
                try
                {
                    await Sweep(stoppingToken);
                    if (time.GetUtcNow() - lastPrune > TimeSpan.FromHours(1))
                    {
                        lastPrune = time.GetUtcNow();
                        var pruned = await inbound.Prune(lastPrune - limits.TraceRetention, stoppingToken);
                        if (pruned > 0)
                        {
                            logger.LogInformation("Pruned {Count} finished intake copies older than {Days} days", pruned, limits.TraceRetention.TotalDays);
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next sweep tries again; a database hiccup must never take the silo down.
                    logger.LogWarning("Incident backlog sweep failed: {Error}", e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task Sweep(CancellationToken cancellationToken)
    {
        foreach (var (tenant, mailbox) in await inbound.MailboxesWaiting("incident", cancellationToken))
        {
            // Harmless when the builder is already at work somewhere in the cluster: a wake during a drain only
            // makes it look once more.
            await grains.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(tenant, mailbox)).Wake();
        }
    }
}

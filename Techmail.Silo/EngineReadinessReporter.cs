using Techmail.Engine;
using Techmail.Tenants;

namespace Techmail.Silo;

/// <summary>Says in the log, at start and whenever it changes, whether any mailbox is enabled at all.</summary>
public sealed class EngineReadinessReporter(IMailboxDirectoryStore directory, ILogger<EngineReadinessReporter> logger) : BackgroundService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool? wasReady = null;
        using var timer = new PeriodicTimer(CheckEvery);
        do
        {
            try
            {
                var counts = await directory.Count();
                var ready = counts.EnabledMailboxes > 0;
                if (ready != wasReady)
                {
                    if (ready)
                    {
                        logger.LogInformation("{Message}", EngineMessages.Describe(counts));
                    }
                    else
                    {
                        logger.LogWarning("{Message}", EngineMessages.NothingEnabled);
                    }

                    wasReady = ready;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not count enabled mailboxes");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

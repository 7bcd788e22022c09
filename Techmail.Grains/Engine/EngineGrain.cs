using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tenants;

namespace Techmail.Engine;

public sealed class EngineGrain(IMailboxDirectoryStore directory, TechmailDatabase database, PollStatisticsStore polls, SessionLimitsStore limits, TimeProvider time)
    : Grain, IEngineGrain
{
    /// <summary>The last whole minutes; the current one is still being counted.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    public async Task<EngineStatus> GetStatus()
    {
        var counts = await directory.Count();
        var now = time.GetUtcNow();
        var polling = await polls.Summarize(now - Window, now);
        var reached = await limits.Reached(now - Window, now);
        return new EngineStatus(
            counts.Tenants,
            counts.Mailboxes,
            counts.EnabledMailboxes,
            database.Kind.ToString(),
            EngineMessages.Describe(counts),
            polling,
            reached);
    }
}

using Techmail.Storage;
using Techmail.Tenants;

namespace Techmail.Engine;

public sealed class EngineGrain(IMailboxDirectoryStore directory, TechmailDatabase database) : Grain, IEngineGrain
{
    public async Task<EngineStatus> GetStatus()
    {
        var counts = await directory.Count();
        return new EngineStatus(
            counts.Tenants,
            counts.Mailboxes,
            counts.EnabledMailboxes,
            database.Kind.ToString(),
            EngineMessages.Describe(counts));
    }
}

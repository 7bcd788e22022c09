using Techmail.Polling;

namespace Techmail.Quarantine;

/// <summary>A tenant's quarantine. Key: the tenant name.</summary>
[Alias("Techmail.IQuarantineGrain")]
public interface IQuarantineGrain : IGrainWithStringKey
{
    [Alias("List")]
    Task<IReadOnlyList<QuarantinedMessage>> List(string? mailbox, bool includeResolved, int take);

    [Alias("Get")]
    Task<QuarantinedMessage?> Get(string id);

    /// <summary>The message exactly as it came from the server.</summary>
    [Alias("GetRaw")]
    Task<byte[]?> GetRaw(string id);

    /// <summary>Runs the message through its mailbox's screening and hand-off again.</summary>
    [Alias("Reprocess")]
    Task<TraceEntry> Reprocess(string id);

    [Alias("Drop")]
    Task<bool> Drop(string id);
}

using Techmail.Polling;

namespace Techmail.Quarantine;

/// <summary>A tenant's quarantine. Key: the tenant name.</summary>
[Alias("Techmail.IQuarantineGrain")]
public interface IQuarantineGrain : IGrainWithStringKey
{
    /// <summary>Newest first, after <paramref name="after"/> (the previous page's <see cref="Paging.ListPage{T}.Next"/>) when given.</summary>
    [Alias("List"), Requires(Permission.ReadSettings)]
    Task<Paging.ListPage<QuarantinedMessage>> List(string? mailbox, bool includeResolved, int take, Paging.ListPosition? after = null);

    [Alias("Get"), Requires(Permission.ReadSettings)]
    Task<QuarantinedMessage?> Get(string id);

    /// <summary>The message exactly as it came from the server.</summary>
    [Alias("GetRaw"), Requires(Permission.ReadSettings)]
    Task<byte[]?> GetRaw(string id);

    /// <summary>
    /// Runs the message through its mailbox's screening and hand-off again (see <see cref="Mailboxes.IMailboxGrain.Reprocess"/>):
    /// answers at once, and asked again runs nothing twice.
    /// </summary>
    [Alias("Reprocess"), Requires(Permission.ManageSettings)]
    Task<ReprocessOutcome> Reprocess(string id);

    /// <summary>How the reprocessing of a message went, or is going; null when it was never reprocessed.</summary>
    [Alias("Outcome"), Requires(Permission.ReadSettings)]
    Task<ReprocessOutcome?> Outcome(string id);

    [Alias("Drop"), Requires(Permission.ManageSettings)]
    Task<bool> Drop(string id);
}

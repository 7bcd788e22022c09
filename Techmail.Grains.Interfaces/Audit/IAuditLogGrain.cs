using Orleans.Concurrency;

namespace Techmail.Audit;

/// <summary>Reads the audit log. Use key 0; the query names the tenant (null: every tenant's changes).</summary>
[Alias("Techmail.IAuditLogGrain")]
public interface IAuditLogGrain : IGrainWithIntegerKey
{
    /// <summary>Newest first.</summary>
    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<AuditEntry>> List(AuditQuery query);
}

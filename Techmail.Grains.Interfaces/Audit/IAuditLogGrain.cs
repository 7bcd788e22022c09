using Orleans.Concurrency;

namespace Techmail.Audit;

/// <summary>Reads the audit log. Use key 0; the query names the tenant (null: every tenant's changes).</summary>
[Alias("Techmail.IAuditLogGrain")]
public interface IAuditLogGrain : IGrainWithIntegerKey
{
    /// <summary>Newest first.</summary>
    /// <remarks>A tenant's log: its admins and auditors; every tenant's (no tenant named): operators only.</remarks>
    [Alias("List"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<Paging.ListPage<AuditEntry>> List([TenantArgument] AuditQuery query);
}

using Techmail.Mailboxes;

namespace Techmail.Tenants;

/// <summary>A tenant's mailbox directory and the guard of its account rule. Key: the tenant name.</summary>
[Alias("Techmail.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records a mailbox's summary. Throws <see cref="MailboxErrorKind.AccountConflict"/> when its incoming
    /// account is already read by a mailbox of the other type.
    /// </summary>
    [Alias("Register"), Requires(Permission.Engine)]
    Task Register(MailboxSummary summary);

    [Alias("Unregister"), Requires(Permission.Engine)]
    Task Unregister(string mailbox);

    /// <summary>Mailboxes in name order after <paramref name="after"/> (null for the first page).</summary>
    [Alias("List"), Requires(Permission.ReadSettings)]
    Task<MailboxPage> List(string? after, int take);

    [Alias("CountEnabled"), Requires(Permission.ReadSettings)]
    Task<int> CountEnabled();
}

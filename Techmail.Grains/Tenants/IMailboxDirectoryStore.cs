namespace Techmail.Tenants;

/// <summary>The relational copy of every tenant's mailbox directory: one row a mailbox, so a change costs one row write.</summary>
public interface IMailboxDirectoryStore
{
    Task<IReadOnlyList<MailboxSummary>> Load(string tenant);

    Task Upsert(string tenant, MailboxSummary summary);

    Task Delete(string tenant, string mailbox);

    Task<DirectoryCounts> Count();
}

public sealed record DirectoryCounts(int Tenants, int Mailboxes, int EnabledMailboxes);

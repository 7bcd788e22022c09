using Techmail.Mailboxes;

namespace Techmail.Tenants;

/// <summary>
/// Holds the tenant's directory in memory (loaded from the relational store) so that the account rule is
/// checked by one single-threaded writer: two admins can never slip a conflicting pair past each other.
/// </summary>
public sealed class TenantGrain(IMailboxDirectoryStore store) : Grain, ITenantGrain
{
    private readonly TenantDirectory _directory = new();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var summary in await store.Load(this.GetPrimaryKeyString()))
        {
            _directory.Put(summary);
        }
    }

    public async Task Register(MailboxSummary summary)
    {
        if (_directory.FindConflict(summary) is { } conflict)
        {
            throw new MailboxException(MailboxErrorKind.AccountConflict, conflict);
        }

        if (_directory.Get(summary.Name) == summary)
        {
            return;
        }

        await store.Upsert(this.GetPrimaryKeyString(), summary);
        _directory.Put(summary);
    }

    public async Task Unregister(string mailbox)
    {
        await store.Delete(this.GetPrimaryKeyString(), mailbox);
        _directory.Remove(mailbox);
    }

    public Task<MailboxPage> List(string? after, int take) => Task.FromResult(_directory.Page(after, take));

    public Task<int> CountEnabled() => Task.FromResult(_directory.CountEnabled());
}

using Techmail.Tenants;

namespace Techmail.Client.Mailboxes;

public static class MailboxDirectory
{
    public const int PageSize = 500;

    /// <summary>Every mailbox of a tenant, page by page, in name order.</summary>
    public static async IAsyncEnumerable<MailboxSummary> All(ITenantGrain tenant)
    {
        string? after = null;
        do
        {
            var page = await tenant.List(after, PageSize);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            after = page.NextAfter;
        }
        while (after is not null);
    }
}

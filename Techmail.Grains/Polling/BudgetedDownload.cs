using Techmail.Resources;

namespace Techmail.Polling;

/// <summary>A downloaded batch and the share of the silo's memory budget its bytes hold; disposing gives the share back.</summary>
public sealed record BudgetedDownload(IReadOnlyList<FetchedMessage> Messages, MemoryLease Lease) : IDisposable
{
    /// <summary>Downloads a batch once the budget has room for the sizes the server listed, then holds what actually came.</summary>
    public static async Task<BudgetedDownload> Fetch(
        MemoryBudget budget, IReadOnlyList<RemoteMessage> batch, Func<Task<IReadOnlyList<FetchedMessage>>> download, CancellationToken cancellationToken)
    {
        var lease = await budget.Acquire(batch.Sum(m => m.Size), cancellationToken);
        try
        {
            var fetched = await download();
            lease.Settle(fetched.Sum(f => f.Raw.LongLength));
            return new BudgetedDownload(fetched, lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    public void Dispose() => Lease.Dispose();
}

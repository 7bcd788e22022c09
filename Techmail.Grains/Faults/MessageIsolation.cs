namespace Techmail.Faults;

/// <summary>
/// Failure isolation for work on mail, shared by every stage: whatever one message makes throw, that message is set
/// aside and the rest go on; an outage stops the work with everything kept, to be tried again.
/// </summary>
public static class MessageIsolation
{
    /// <summary>
    /// Runs <paramref name="work"/> on the whole batch (one transaction, one call); when it fails for a message's sake,
    /// runs it again one message at a time, so only the messages that fail alone are returned, each with its failure.
    /// An outage, in the batch or in any single try, is thrown: nothing is set aside because of it.
    /// </summary>
    public static async Task<IReadOnlyList<Failed<T>>> Each<T>(IReadOnlyList<T> batch, Func<IReadOnlyList<T>, Task> work)
    {
        if (batch.Count == 0)
        {
            return [];
        }

        try
        {
            await work(batch);
            return [];
        }
        catch (Exception e) when (Faults.Classify(e) == FaultKind.ThisMessage)
        {
            if (batch.Count == 1)
            {
                return [new Failed<T>(batch[0], e)];
            }
        }

        var failed = new List<Failed<T>>();
        foreach (var item in batch)
        {
            try
            {
                await work([item]);
            }
            catch (Exception e) when (Faults.Classify(e) == FaultKind.ThisMessage)
            {
                failed.Add(new Failed<T>(item, e));
            }
        }

        return failed;
    }

    /// <summary>
    /// Runs work on one message; when it fails for the message's sake, <paramref name="setAside"/> decides what becomes
    /// of the message instead. An outage is thrown.
    /// </summary>
    public static async Task<TResult> One<TResult>(Func<Task<TResult>> work, Func<Exception, Task<TResult>> setAside)
    {
        try
        {
            return await work();
        }
        catch (Exception e) when (Faults.Classify(e) == FaultKind.ThisMessage)
        {
            return await setAside(e);
        }
    }

    /// <summary>The same for work that needs no awaiting (parsing, screening), run in parallel for a batch.</summary>
    public static TResult One<TResult>(Func<TResult> work, Func<Exception, TResult> setAside)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (Faults.Classify(e) == FaultKind.ThisMessage)
        {
            return setAside(e);
        }
    }
}

/// <summary>One item of a batch that failed on its own, and why.</summary>
public sealed record Failed<T>(T Item, Exception Failure);

using Orleans.Storage;

namespace Techmail.Mailboxes;

/// <summary>
/// The one way a mailbox grain stores its state. An admin's change and the end of a poll run in the same activation
/// but interleave at every await: two writes in flight at once carry the same ETag, and the second fails with an
/// <see cref="InconsistentStateException"/> (the poll's outcome lost, or the admin's update refused). Here writes take
/// turns, each change is applied to the state as it is when its turn comes, and a write refused because another
/// activation wrote meanwhile (a duplicate during a failover) reads that write back and applies the change to it.
/// </summary>
public sealed class MailboxStateWriter(IPersistentState<MailboxState> state)
{
    private const int MaxTries = 3;
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>
    /// Applies <paramref name="change"/> to the freshest state and stores it. The change must be written against the
    /// state it is given (add to its counts, not set them to a total computed earlier), since it may be applied again
    /// to a state read back after a conflict.
    /// </summary>
    /// <param name="change">Changes the state; returns false when nothing worth a write changed (then nothing is written).</param>
    /// <returns>Whether a write was made.</returns>
    public async Task<bool> Change(Func<MailboxState, bool> change)
    {
        await _turn.WaitAsync();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (!change(state.State))
                {
                    return false;
                }

                try
                {
                    await state.WriteStateAsync();
                    return true;
                }
                catch (InconsistentStateException) when (attempt < MaxTries)
                {
                    await state.ReadStateAsync();
                }
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Forgets the mailbox: clears the stored state, in turn with every other write, and starts afresh in memory.</summary>
    public async Task Clear()
    {
        await _turn.WaitAsync();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await state.ClearStateAsync();
                    break;
                }
                catch (InconsistentStateException) when (attempt < MaxTries)
                {
                    await state.ReadStateAsync();
                }
            }

            state.State = new MailboxState();
        }
        finally
        {
            _turn.Release();
        }
    }
}

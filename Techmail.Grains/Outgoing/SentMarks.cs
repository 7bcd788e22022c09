namespace Techmail.Outgoing;

/// <summary>
/// Marks one drain's accepted mail sent in the database within milliseconds: each commit takes every id accepted
/// since the one before it. Mail is never held back for its mark (the journal already has it), and the mail
/// accepted but not yet marked is only what one commit's gathering and wait saw, not a whole batch.
/// </summary>
internal sealed class SentMarks(OutboxStore store, AcceptedMailJournal journal, TimeProvider time)
{
    private static readonly TimeSpan Gathering = TimeSpan.FromMilliseconds(20);

    private readonly Lock _lock = new();
    private List<long> _waiting = [];
    private Task _running = Task.CompletedTask;
    // Set and cleared under the lock, by the adder that starts a commit loop and by the loop when it finds nothing
    // left: a loop about to end never strands an id added meanwhile.
    private bool _committing;
    private Exception? _fault;
    // Cut short by Flush: a drain that ends, or rescans from the oldest, waits for no gathering.
    private TaskCompletionSource _flushing = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Mail marked sent so far.</summary>
    public int Marked { get; private set; }

    /// <summary>Journals an accepted mail (unless its hand-over already is) and has it marked with the next commit.</summary>
    public void Add(long id, bool handedOver)
    {
        if (!handedOver)
        {
            journal.Accepted(id);
        }

        lock (_lock)
        {
            _waiting.Add(id);
            if (!_committing)
            {
                _committing = true;
                _running = Task.Run(Commit);
            }
        }
    }

    /// <summary>Throws what the database said if a mark was refused: sending more that cannot be marked would only grow the journal.</summary>
    public void ThrowIfRefused()
    {
        lock (_lock)
        {
            if (_fault is { } fault)
            {
                throw new InvalidOperationException($"the outbox could not mark sent mail: {fault.Message}", fault);
            }
        }
    }

    /// <summary>Waits until everything added so far is marked (or refused).</summary>
    public async Task Flush()
    {
        lock (_lock)
        {
            _flushing.TrySetResult();
        }

        while (true)
        {
            Task running;
            lock (_lock)
            {
                if (!_committing)
                {
                    break;
                }

                running = _running;
            }

            await running;
        }

        ThrowIfRefused();
    }

    private async Task Commit()
    {
        while (true)
        {
            // A commit takes the database's writer from intake and the incident builder: one a few milliseconds
            // later takes the mail a busy relay accepted meanwhile too, and the journal already holds it all.
            Task flushing;
            lock (_lock)
            {
                flushing = _flushing.Task;
            }

            if (!flushing.IsCompleted)
            {
                // Real time, not the engine's clock: this paces database commits, it is no business deadline.
                await Task.WhenAny(flushing, Task.Delay(Gathering));
            }

            List<long> ids;
            lock (_lock)
            {
                if (_waiting.Count == 0 || _fault is not null)
                {
                    _committing = false;
                    return;
                }

                ids = _waiting;
                _waiting = [];
                if (_flushing.Task.IsCompleted)
                {
                    _flushing = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            try
            {
                await store.MarkSent(ids, time.GetUtcNow());
            }
            catch (Exception e)
            {
                // The ids stay in the journal, which the next start marks; this drain stops sending.
                lock (_lock)
                {
                    _fault = e;
                    _committing = false;
                }

                return;
            }

            journal.Marked(ids.Count);
            lock (_lock)
            {
                Marked += ids.Count;
            }
        }
    }
}

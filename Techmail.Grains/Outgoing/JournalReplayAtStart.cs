using Microsoft.Extensions.Logging;

namespace Techmail.Outgoing;

/// <summary>
/// Replays the accepted-mail journals of killed runs while the silo starts, before it joins the cluster. A silo
/// restarted after a kill declares its dead predecessor gone when it joins; from then on another silo may take the
/// predecessor's outboxes over, and must find their handed-over mail already marked, or it sends it again.
/// </summary>
public sealed class JournalReplayAtStart(AcceptedMailJournal journal, ILogger<JournalReplayAtStart> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(JournalReplayAtStart), ServiceLifecycleStage.RuntimeInitialize - 1, Replay);

    private async Task Replay(CancellationToken cancellationToken)
    {
        try
        {
            await journal.Recovered().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not a reason to stay down: every drain replays again before it sends, once the database answers.
            logger.LogWarning(e, "The outbox journal could not be replayed at start; the first drain will replay it");
        }
    }
}

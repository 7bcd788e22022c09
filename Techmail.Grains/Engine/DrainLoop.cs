namespace Techmail.Engine;

/// <summary>
/// The run of a grain that drains a durable queue (the outbox, webhook deliveries, a mailing's recipients): one drain at
/// a time; woken while one runs, it drains once more right after, so nothing queued meanwhile waits for the next wake;
/// then it schedules its next wake (<see cref="Wakes"/>). A failed drain lost nothing (the rows wait) and is tried again
/// after the delay the grain gives. On deactivation the drain is told to stop and awaited, so an attempt is never cut
/// off unseen.
/// </summary>
public sealed class DrainLoop
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Func<CancellationToken, Task> _drainOnce;
    private readonly Func<Task> _schedule;
    private readonly Func<Exception, TimeSpan> _failed;
    private Task? _run;
    private bool _wokenDuringDrain;

    /// <param name="drainOnce">One pass over what is due.</param>
    /// <param name="schedule">After the passes: when to wake next, through <see cref="Wakes"/>.</param>
    /// <param name="failed">A pass or the schedule threw (not while stopping): record it, and say when to try again.</param>
    public DrainLoop(
        IGrainBase grain,
        string reminder,
        TimeSpan reminderPeriod,
        Func<CancellationToken, Task> drainOnce,
        Func<Task> schedule,
        Func<Exception, TimeSpan> failed)
    {
        Wakes = new WakeSchedule(grain, reminder, reminderPeriod, Start);
        (_drainOnce, _schedule, _failed) = (drainOnce, schedule, failed);
    }

    /// <summary>The timer and reminder that bring the grain back while work waits.</summary>
    public WakeSchedule Wakes { get; }

    /// <summary>Starts a drain, or asks the running one for another pass.</summary>
    public void Start()
    {
        if (_run is { IsCompleted: false })
        {
            _wokenDuringDrain = true;
            return;
        }

        _run = Run();
    }

    /// <summary>The grain's reminder fired: it exists, and the drain starts.</summary>
    public void ReminderFired()
    {
        Wakes.ReminderFired();
        Start();
    }

    /// <summary>Stops the drain (at once when <paramref name="cancellationToken"/> ends) and waits for it.</summary>
    public async Task Stop(CancellationToken cancellationToken)
    {
        await using var _ = cancellationToken.Register(_stopping.Cancel);
        if (_run is { } run)
        {
            await run.ContinueWith(_ => { }, TaskScheduler.Current);
        }
    }

    private async Task Run()
    {
        try
        {
            do
            {
                _wokenDuringDrain = false;
                await _drainOnce(_stopping.Token);
            }
            while (_wokenDuringDrain && !_stopping.IsCancellationRequested);

            await _schedule();
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            Wakes.Arm(_failed(e));
        }
    }
}

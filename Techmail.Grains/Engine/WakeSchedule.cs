namespace Techmail.Engine;

/// <summary>
/// How a grain that drains a durable queue (the outbox, webhook deliveries) comes back to work that waits: a one-shot
/// timer for the next due time while the activation lives, and a reminder, since the timer dies with the activation.
/// The reminder exists only while work waits, so the common case (queued, done at once) writes no reminder row.
/// </summary>
/// <param name="wake">What the timer does when it fires: the grain starts its drain.</param>
public sealed class WakeSchedule(IGrainBase grain, string reminder, TimeSpan reminderPeriod, Action wake)
{
    private IGrainTimer? _timer;

    // Whether this activation knows the reminder exists. One it does not know of (left by an activation that died)
    // announces itself by firing, and is dropped then if nothing waits: no read at every activation to find it.
    private bool _reminderKnown;

    /// <summary>The grain's reminder fired: it exists, whoever registered it.</summary>
    public void ReminderFired() => _reminderKnown = true;

    /// <summary>Work waits: keep the reminder and wake at <paramref name="due"/> from now.</summary>
    public async Task Waiting(TimeSpan due)
    {
        if (!_reminderKnown)
        {
            await grain.RegisterOrUpdateReminder(reminder, reminderPeriod, reminderPeriod);
            _reminderKnown = true;
        }

        Arm(due);
    }

    /// <summary>Nothing waits: no timer, and no reminder left to wake the grain for nothing.</summary>
    public async Task Idle()
    {
        _timer?.Dispose();
        _timer = null;
        if (_reminderKnown)
        {
            if (await grain.GetReminder(reminder) is { } registered)
            {
                await grain.UnregisterReminder(registered);
            }

            _reminderKnown = false;
        }
    }

    /// <summary>Wakes the grain after <paramref name="due"/> (at once when it is past), leaving the reminder as it is.</summary>
    public void Arm(TimeSpan due)
    {
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due;
        if (_timer is null)
        {
            _timer = grain.RegisterGrainTimer(
                _ =>
                {
                    wake();
                    return Task.CompletedTask;
                },
                new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }
}

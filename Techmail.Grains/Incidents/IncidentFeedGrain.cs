using Orleans.Concurrency;

namespace Techmail.Incidents;

/// <summary>
/// One per tenant: looks at the incidents table once a second while any screen follows the tenant, and stops
/// looking a little after the last one stopped asking. Reentrant: screens wait on it at once, and a wait holds
/// nobody else up (all of it runs on the grain's one thread).
/// </summary>
[Reentrant]
public sealed class IncidentFeedGrain(IncidentListStore store, TimeProvider time) : Grain, IIncidentFeedGrain
{
    private static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(25);
    // A screen asks again at once after each answer; this long without a question, nobody follows.
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(60);

    private IncidentFeed _feed = null!;
    private IGrainTimer? _looking;
    private bool _lookRunning;
    private DateTimeOffset _lastAsked;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var tenant = this.GetPrimaryKeyString();
        _feed = new IncidentFeed((since, take) => store.ChangedSince(tenant, since, take), time);
        return Task.CompletedTask;
    }

    public Task<FeedPosition> Position()
    {
        Asked();
        return Task.FromResult(_feed.Position);
    }

    public async Task<IncidentActivity> After(FeedPosition position, TimeSpan wait)
    {
        Asked();
        var now = _feed.After(position);
        if (now.Changed.Count > 0 || now.Restart || wait <= TimeSpan.Zero)
        {
            return now;
        }

        await Task.WhenAny(_changed.Task, Task.Delay(wait < LongestWait ? wait : LongestWait, time));
        return _feed.After(position);
    }

    private void Asked()
    {
        _lastAsked = time.GetUtcNow();
        if (_looking is null)
        {
            _feed.Watch();
            _looking = this.RegisterGrainTimer(Look, new GrainTimerCreationOptions(LookEvery, LookEvery) { Interleave = true });
        }
    }

    private async Task Look(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _lastAsked > Linger)
        {
            _looking?.Dispose();
            _looking = null;
            return;
        }

        // A slow database must not stack looks on top of each other.
        if (_lookRunning)
        {
            return;
        }

        _lookRunning = true;
        try
        {
            if (await _feed.Look())
            {
                var changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed.SetResult();
            }
        }
        finally
        {
            _lookRunning = false;
        }
    }
}

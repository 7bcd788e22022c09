using Microsoft.Extensions.Logging;

namespace Techmail.Webhooks;

/// <summary>
/// Drives one tenant's webhook deliveries; the rows are the record (<see cref="WebhookStore"/>), the activation only
/// decides when to drain: on <see cref="Wake"/>, and by a timer at the next retry while deliveries wait. A reminder,
/// kept only while something waits, brings the drain back when its silo dies; a starting silo wakes the drains of
/// tenants with deliveries waiting (<see cref="WebhookResumer"/>). Claims keep two activations (a failover) from
/// sending one row at once.
/// </summary>
public sealed class WebhookDeliveryGrain(WebhookDrainer drainer, WebhookStore store, WebhookPolicy policy, TimeProvider time, ILogger<WebhookDeliveryGrain> logger)
    : Grain, IWebhookDeliveryGrain, IRemindable
{
    internal const string ResumeReminder = "resume";
    private static readonly TimeSpan ResumePeriod = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _drain;
    private bool _wokenDuringDrain;
    private IGrainTimer? _timer;
    private bool _reminderRegistered;

    private string Tenant => this.GetPrimaryKeyString();

    public Task Wake()
    {
        StartDrain();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _reminderRegistered = true;
        StartDrain();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // An attempt cut short is not marked, and is sent again when its lease ends.
        await using var _ = cancellationToken.Register(_stopping.Cancel);
        if (_drain is { } drain)
        {
            await drain.ContinueWith(_ => { }, TaskScheduler.Current);
        }
    }

    private void StartDrain()
    {
        if (_drain is { IsCompleted: false })
        {
            _wokenDuringDrain = true;
            return;
        }

        _drain = DrainAndSchedule();
    }

    private async Task DrainAndSchedule()
    {
        try
        {
            do
            {
                _wokenDuringDrain = false;
                var outcome = await drainer.Drain(Tenant, _stopping.Token);
                if (outcome.Delivered + outcome.Retried + outcome.Failed > 0)
                {
                    logger.LogInformation("Webhooks of {Tenant}: {Delivered} delivered, {Retried} to retry, {Failed} given up", Tenant, outcome.Delivered, outcome.Retried, outcome.Failed);
                }
            }
            while (_wokenDuringDrain && !_stopping.IsCancellationRequested);

            await Schedule();
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            // The database did not answer: nothing was lost, the rows wait; try again shortly.
            logger.LogError(e, "Webhook deliveries of {Tenant} could not drain", Tenant);
            Arm(policy.FirstRetry);
        }
    }

    private async Task Schedule()
    {
        if (await store.NextDue(Tenant) is not { } next)
        {
            _timer?.Dispose();
            _timer = null;
            await SyncReminder(waiting: false);
            return;
        }

        await SyncReminder(waiting: true);
        Arm(next - time.GetUtcNow());
    }

    /// <summary>The timer dies with the activation; the reminder does not. It exists only while deliveries wait.</summary>
    private async Task SyncReminder(bool waiting)
    {
        if (waiting && !_reminderRegistered)
        {
            await this.RegisterOrUpdateReminder(ResumeReminder, ResumePeriod, ResumePeriod);
            _reminderRegistered = true;
        }
        else if (!waiting && _reminderRegistered)
        {
            if (await this.GetReminder(ResumeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderRegistered = false;
        }
    }

    private void Arm(TimeSpan due)
    {
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due;
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(
                _ =>
                {
                    StartDrain();
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

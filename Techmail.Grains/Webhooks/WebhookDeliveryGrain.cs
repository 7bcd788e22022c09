using Microsoft.Extensions.Logging;
using Techmail.Engine;

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

    private DrainLoop? _loop;

    private string Tenant => this.GetPrimaryKeyString();
    private DrainLoop Loop => _loop ??= new DrainLoop(this, ResumeReminder, ResumePeriod, DrainOnce, Schedule, Failed);

    public Task Wake()
    {
        Loop.Start();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Loop.ReminderFired();
        return Task.CompletedTask;
    }

    // An attempt cut short is not marked, and is sent again when its lease ends.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Loop.Stop(cancellationToken);

    private async Task DrainOnce(CancellationToken cancellationToken)
    {
        var outcome = await drainer.Drain(Tenant, cancellationToken);
        if (outcome.Delivered + outcome.Retried + outcome.Failed > 0)
        {
            logger.LogInformation("Webhooks of {Tenant}: {Delivered} delivered, {Retried} to retry, {Failed} given up", Tenant, outcome.Delivered, outcome.Retried, outcome.Failed);
        }
    }

    private TimeSpan Failed(Exception e)
    {
        // The database did not answer: nothing was lost, the rows wait; try again shortly.
        logger.LogError(e, "Webhook deliveries of {Tenant} could not drain", Tenant);
        return policy.FirstRetry;
    }

    private async Task Schedule()
    {
        if (await store.NextDue(Tenant) is not { } next)
        {
            await Loop.Wakes.Idle();
            return;
        }

        await Loop.Wakes.Waiting(next - time.GetUtcNow());
    }
}

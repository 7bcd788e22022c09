using Microsoft.Extensions.Logging;
using Techmail.Security;

namespace Techmail.Webhooks;

/// <summary>What one drain of a tenant's deliveries came to.</summary>
public sealed record WebhookDrainOutcome(int Delivered, int Retried, int Failed);

/// <summary>
/// Delivers a tenant's due webhook events: claims a batch (<see cref="WebhookStore.Claim"/>), sends each to its
/// receiver, several at once, and records each outcome by the <see cref="WebhookPolicy"/>, until nothing is due.
/// At least once: a delivery is marked only after the receiver's answer, so a drain that dies between the answer and
/// the mark leaves it to be sent again when its lease ends, with the same event id.
/// </summary>
public sealed class WebhookDrainer(WebhookStore store, WebhookHttp http, ISecretProtector protector, WebhookPolicy policy, TimeProvider time, ILogger<WebhookDrainer> logger)
{
    // Attempts of one tenant in flight at once; each host's own bound (WebhookHostGate) applies on top.
    private const int InFlight = 16;
    private const int BatchSize = 64;

    public async Task<WebhookDrainOutcome> Drain(string tenant, CancellationToken cancellationToken)
    {
        int delivered = 0, retried = 0, failed = 0;
        // Receivers by id for this drain: one read and one unsealing each, however many events they get.
        var receivers = new System.Collections.Concurrent.ConcurrentDictionary<string, Receiver?>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var batch = await store.Claim(tenant, now, now + policy.Lease, BatchSize);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var id in batch.Select(d => d.WebhookId).Distinct(StringComparer.Ordinal).Where(id => !receivers.ContainsKey(id)))
            {
                receivers[id] = await Load(tenant, id);
            }

            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken },
                async (delivery, token) =>
                {
                    var action = await Deliver(delivery, receivers[delivery.WebhookId], token);
                    switch (action)
                    {
                        case DeliveryAction.Delivered:
                            Interlocked.Increment(ref delivered);
                            break;
                        case DeliveryAction.Retry:
                            Interlocked.Increment(ref retried);
                            break;
                        case null:
                            break;
                        case DeliveryAction.Disable:
                            // Later deliveries of this webhook in the batch were failed with it; none is sent.
                            receivers[delivery.WebhookId] = null;

                            Interlocked.Increment(ref failed);
                            break;
                        default:
                            Interlocked.Increment(ref failed);
                            break;
                    }
                });
        }

        return new WebhookDrainOutcome(delivered, retried, failed);
    }

    /// <summary>The receiver's URL and secret in clear; null when the webhook was removed or disabled meanwhile.</summary>
    private async Task<Receiver?> Load(string tenant, string id) =>
        await store.Get(tenant, id) is { Enabled: true } webhook ? new Receiver(new Uri(webhook.Url), protector.Unprotect(webhook.SealedSecret)) : null;

    /// <returns>What the attempt came to; null when nothing was sent (the delivery waits on, unchanged).</returns>
    private async Task<DeliveryAction?> Deliver(ClaimedDelivery delivery, Receiver? receiver, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (receiver is null)
        {
            // Disabled since it was queued (a removed webhook's rows are gone with it).
            await store.MarkFailed(delivery, null, "webhook disabled before delivery", now);
            return DeliveryAction.Fail;
        }

        var attempt = await http.Post(receiver.Url, receiver.Secret, delivery.EventId, delivery.EventType, delivery.Body, cancellationToken);
        now = time.GetUtcNow();
        if (attempt.NotSent)
        {
            // Not the receiver's doing, and not an attempt: back in the queue, due at once, its attempts unchanged.
            await store.Release(delivery, now);
            logger.LogDebug("Webhook {Webhook} of {Tenant}: {Event} waits: {Reason}", delivery.WebhookId, delivery.Tenant, delivery.EventId, attempt.Error);
            return null;
        }

        var decision = policy.Decide(attempt.Status, attempt.Error ?? attempt.Body, delivery.Attempts + 1, delivery.Created, now, Random.Shared.NextDouble());
        WebhookMetrics.Attempted(decision.Action, attempt.Elapsed, now - delivery.Created);
        switch (decision.Action)
        {
            case DeliveryAction.Delivered:
                await store.MarkDelivered(delivery, attempt.Status!.Value, now);
                logger.LogDebug("Webhook {Webhook} of {Tenant} got {Event} ({Type}): {Status}", delivery.WebhookId, delivery.Tenant, delivery.EventId, delivery.EventType, attempt.Status);
                break;
            case DeliveryAction.Retry:
                await store.RetryAt(delivery, decision.RetryAt!.Value, attempt.Status, decision.Reason!, now);
                logger.LogInformation("Webhook {Webhook} of {Tenant}: {Event} retries at {At}: {Reason}", delivery.WebhookId, delivery.Tenant, delivery.EventId, decision.RetryAt, decision.Reason);
                break;
            case DeliveryAction.Disable:
                await store.MarkFailed(delivery, attempt.Status, decision.Reason!, now);
                await store.Disable(delivery.Tenant, delivery.WebhookId, decision.Reason!, now);
                logger.LogWarning("Webhook {Webhook} of {Tenant} disabled: {Reason}", delivery.WebhookId, delivery.Tenant, decision.Reason);
                break;
            default:
                await store.MarkFailed(delivery, attempt.Status, decision.Reason!, now);
                logger.LogWarning("Webhook {Webhook} of {Tenant}: {Event} ({Type}) {Reason}", delivery.WebhookId, delivery.Tenant, delivery.EventId, delivery.EventType, decision.Reason);
                break;
        }

        return decision.Action;
    }

    private sealed record Receiver(Uri Url, string Secret);
}

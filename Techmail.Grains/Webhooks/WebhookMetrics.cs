using System.Diagnostics.Metrics;
using Techmail.Observability;

namespace Techmail.Webhooks;

/// <summary>
/// Webhook delivery figures on Techmail's meter (Prometheus: <c>techmail_webhook_*</c>). As for the other instruments,
/// no tenant or URL label: outcomes and event types are small fixed sets.
/// </summary>
public static class WebhookMetrics
{
    private static readonly Meter Meter = new(TechmailMetrics.MeterName);

    private static readonly Counter<long> Queued = Meter.CreateCounter<long>("techmail.webhook.queued", "{delivery}", "Deliveries queued (one per event and subscribed webhook), by event type.");
    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>(
        "techmail.webhook.attempts", "{attempt}", "Delivery attempts, by outcome: delivered (2xx), retry (another status, no answer), failed (given up), disabled (410 Gone).");
    private static readonly Counter<long> HostWaits = Meter.CreateCounter<long>("techmail.webhook.host_waits", "{attempt}", "Attempts that waited for their receiving host's concurrency bound.");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "techmail.webhook.duration", "s", "How long receivers took to answer an attempt.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    private static readonly Histogram<double> Latency = Meter.CreateHistogram(
        "techmail.webhook.delivery_latency", "s", "From an event to its delivery, retries included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 21600, 86400] });

    public static void EventsQueued(string type, int deliveries)
    {
        if (deliveries > 0)
        {
            Queued.Add(deliveries, new KeyValuePair<string, object?>("event", type));
        }
    }

    public static void Attempted(DeliveryAction outcome, TimeSpan duration, TimeSpan? sinceEvent)
    {
        Attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome switch
        {
            DeliveryAction.Delivered => "delivered",
            DeliveryAction.Retry => "retry",
            DeliveryAction.Fail => "failed",
            _ => "disabled",
        }));
        Duration.Record(duration.TotalSeconds);
        if (outcome == DeliveryAction.Delivered && sinceEvent is { } latency)
        {
            Latency.Record(Math.Max(0, latency.TotalSeconds));
        }
    }

    public static void HostWaited() => HostWaits.Add(1);
}

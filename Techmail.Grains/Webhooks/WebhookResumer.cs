using Microsoft.Extensions.Logging;
using Techmail.Engine;

namespace Techmail.Webhooks;

/// <summary>Wakes, when a silo becomes active, the delivery drain of every tenant with deliveries waiting.</summary>
public sealed class WebhookResumer(WebhookStore store, IGrainFactory grains, ILogger<WebhookResumer> logger) : WakeAtStart(logger)
{
    protected override string What => "webhook deliveries";

    protected override async Task Wake(CancellationToken cancellationToken)
    {
        foreach (var tenant in await store.TenantsWaiting(cancellationToken))
        {
            await grains.GetGrain<IWebhookDeliveryGrain>(tenant).Wake();
        }
    }
}

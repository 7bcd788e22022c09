using System.Data.Common;

namespace Techmail.Webhooks;

/// <summary>
/// The one way the engine raises webhook events. Where the change is a database transaction, the events go into it
/// (<see cref="Queue"/>) and the drains are woken once it has committed (<see cref="Wake"/>); where it is not (grain
/// state), <see cref="Raise"/> stores them before the change is acknowledged.
/// </summary>
public sealed class WebhookEvents(WebhookStore store, IGrainFactory grains, TimeProvider time)
{
    /// <returns>The deliveries queued per tenant, for <see cref="Wake"/> after the commit.</returns>
    public static Task<IReadOnlyDictionary<string, int>> Queue(DbConnection connection, DbTransaction transaction, IReadOnlyList<WebhookEvent> events, DateTimeOffset now) =>
        events.Count == 0 ? Task.FromResult<IReadOnlyDictionary<string, int>>(new Dictionary<string, int>()) : WebhookStore.Queue(connection, transaction, events, now);

    public async Task Wake(IReadOnlyDictionary<string, int>? queued)
    {
        foreach (var tenant in queued?.Keys ?? [])
        {
            await grains.GetGrain<IWebhookDeliveryGrain>(tenant).Wake();
        }
    }

    public async Task Raise(params WebhookEvent[] events) => await Wake(await store.Queue(events, time.GetUtcNow()));
}

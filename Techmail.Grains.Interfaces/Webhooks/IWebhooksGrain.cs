namespace Techmail.Webhooks;

/// <summary>
/// A tenant's webhooks: receivers of its events over HTTP, each with a secret that signs what it receives. Key: the
/// tenant name. Settings work: admins add, remove and test them; admins and auditors list them.
/// </summary>
[Alias("Techmail.IWebhooksGrain")]
public interface IWebhooksGrain : IGrainWithStringKey
{
    /// <summary>Adds an enabled webhook; the answer carries its secret, shown this once.</summary>
    /// <exception cref="WebhookException">The URL or the events are not acceptable (with the reason).</exception>
    [Alias("Add"), Requires(Permission.ManageSettings)]
    Task<WebhookCreated> Add(WebhookRequest request);

    /// <summary>Oldest first, with what each one's deliveries came to.</summary>
    [Alias("List"), Requires(Permission.ReadSettings)]
    Task<IReadOnlyList<WebhookInfo>> List();

    /// <summary>Removes a webhook and its deliveries, sent or not; false when the tenant has no such webhook.</summary>
    [Alias("Remove"), Requires(Permission.ManageSettings)]
    Task<bool> Remove(string id);

    /// <summary>Sends a signed <c>ping</c> event to the webhook now and returns the receiver's answer.</summary>
    /// <exception cref="WebhookException">No such webhook.</exception>
    [Alias("Test"), Requires(Permission.ManageSettings)]
    Task<WebhookTestResult> Test(string id);
}

/// <summary>
/// Delivers a tenant's queued webhook events. Key: the tenant name. Woken after events are queued; a timer at the next
/// retry, and a reminder while anything waits, keep it going across restarts.
/// </summary>
[Alias("Techmail.IWebhookDeliveryGrain")]
public interface IWebhookDeliveryGrain : IGrainWithStringKey
{
    [Alias("Wake"), Orleans.Concurrency.OneWay, Requires(Permission.Engine)]
    Task Wake();
}

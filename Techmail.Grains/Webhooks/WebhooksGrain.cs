using System.Security.Cryptography;
using Techmail.Access;
using Techmail.Audit;
using Techmail.Security;

namespace Techmail.Webhooks;

/// <summary>A tenant's webhooks: added, listed, removed and tested here; delivered by <see cref="WebhookDeliveryGrain"/>.</summary>
public sealed class WebhooksGrain(WebhookStore store, WebhookHttp http, ISecretProtector protector, WebhookPolicy policy, AuditLog audit, TimeProvider time)
    : Grain, IWebhooksGrain
{
    // Each webhook is one more request per event; a tenant needing more than this has a fan-out problem of its own.
    internal const int MaxPerTenant = 50;

    private string Tenant => this.GetPrimaryKeyString();

    public async Task<WebhookCreated> Add(WebhookRequest request)
    {
        var url = WebhookAddresses.CheckUrl(request.Url, policy.AllowPrivateAddresses);
        var events = CheckEvents(request.Events);
        var existing = await store.List(Tenant);
        if (existing.Count >= MaxPerTenant)
        {
            throw new WebhookException(WebhookErrorKind.Invalid, $"tenant '{Tenant}' has {existing.Count} webhooks already, the most it may have; remove one first.");
        }

        var secret = WebhookSecret.New();
        var webhook = new StoredWebhook(
            Tenant,
            "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            url.AbsoluteUri,
            events,
            protector.Protect(secret),
            Enabled: true,
            DisabledReason: null,
            time.GetUtcNow(),
            Caller.ActorName);
        await store.Add(webhook);
        var info = Info(webhook, null);
        await audit.Record(Tenant, AuditActions.WebhookAdd, webhook.Id, null, Audited(info));
        return new WebhookCreated(info, secret);
    }

    public async Task<IReadOnlyList<WebhookInfo>> List()
    {
        var counts = await store.Counts(Tenant);
        return [.. (await store.List(Tenant)).Select(w => Info(w, counts.GetValueOrDefault(w.Id)))];
    }

    public async Task<bool> Remove(string id)
    {
        if (await store.Get(Tenant, id) is not { } webhook)
        {
            return false;
        }

        if (!await store.Remove(Tenant, id))
        {
            return false;
        }

        await audit.Record(Tenant, AuditActions.WebhookRemove, id, Audited(Info(webhook, null)), null);
        return true;
    }

    public async Task<WebhookTestResult> Test(string id)
    {
        var webhook = await store.Get(Tenant, id)
            ?? throw new WebhookException(WebhookErrorKind.NotFound, $"tenant '{Tenant}' has no webhook '{id}'.");
        var now = time.GetUtcNow();
        var ping = new WebhookEvent(Tenant, WebhookEventTypes.Ping, Guid.NewGuid().ToString("N"), now, new
        {
            webhook = webhook.Id,
            url = webhook.Url,
            events = webhook.Events,
            message = "A test from 'techmail webhook test': this webhook's secret signed this body.",
        });
        // Sent now and once: an admin wants the receiver's answer, and a disabled webhook may be tested before it is added again.
        var attempt = await http.Post(new Uri(webhook.Url), protector.Unprotect(webhook.SealedSecret), ping.Id, ping.Type, ping.Body(), CancellationToken.None);
        return new WebhookTestResult(webhook.Id, ping.Id, attempt.Status, attempt.Body, attempt.Elapsed, attempt.Error);
    }

    private static List<string> CheckEvents(IReadOnlyList<string>? events)
    {
        var chosen = (events ?? []).Select(e => e.Trim()).Where(e => e.Length > 0).ToList();
        if (chosen.Count == 0)
        {
            throw new WebhookException(WebhookErrorKind.Invalid, $"events: at least one of {string.Join(", ", WebhookEventTypes.All)} (or * for all).");
        }

        if (chosen.Contains("*"))
        {
            return [.. WebhookEventTypes.All];
        }

        if (chosen.FirstOrDefault(e => !WebhookEventTypes.All.Contains(e, StringComparer.Ordinal)) is { } unknown)
        {
            throw new WebhookException(WebhookErrorKind.Invalid, $"events: '{unknown}' is not an event; use {string.Join(", ", WebhookEventTypes.All)} (or * for all).");
        }

        // In the documented order, each once.
        return [.. WebhookEventTypes.All.Where(chosen.Contains)];
    }

    private static WebhookInfo Info(StoredWebhook w, WebhookCounts? counts) =>
        new(w.Id, w.Url, w.Events, w.Enabled, w.DisabledReason, w.Created, w.CreatedBy, counts ?? new WebhookCounts(0, 0, 0, null));

    private static object Audited(WebhookInfo w) => new { url = w.Url, events = w.Events, enabled = w.Enabled };
}

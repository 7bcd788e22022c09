namespace Techmail.Webhooks;

/// <summary>The events a webhook may subscribe to, by the names receivers see in the body's <c>type</c>.</summary>
public static class WebhookEventTypes
{
    public const string IncidentCreated = "incident.created";
    public const string IncidentUpdated = "incident.updated";
    public const string ReplyReceived = "reply.received";
    public const string AddressInvalidated = "address.invalidated";
    public const string MailboxFailing = "mailbox.failing";

    /// <summary>Sent by <c>webhook test</c> only, to one webhook, whatever it subscribed to.</summary>
    public const string Ping = "ping";

    public static readonly IReadOnlyList<string> All = [IncidentCreated, IncidentUpdated, ReplyReceived, AddressInvalidated, MailboxFailing];
}

using System.Globalization;
using Techmail.Incidents;

namespace Techmail.Webhooks;

/// <summary>
/// The events the engine raises, each with the data receivers get (README, Webhooks). Keys make an event's id: the
/// same change always yields the same id.
/// </summary>
public static class WebhookPayloads
{
    public static WebhookEvent IncidentCreated(string tenant, IncidentSummary incident) =>
        new(tenant, WebhookEventTypes.IncidentCreated, incident.Reference, incident.Created, new { incident = Incident(incident) });

    /// <param name="by">Who changed it: the verified caller's name.</param>
    public static WebhookEvent IncidentUpdated(string tenant, IncidentSummary incident, string by) =>
        new(tenant, WebhookEventTypes.IncidentUpdated, $"{incident.Reference}@{incident.Updated.UtcTicks.ToString(CultureInfo.InvariantCulture)}", incident.Updated, new { incident = Incident(incident), by });

    /// <summary>A customer's mail added to an existing incident's thread.</summary>
    public static WebhookEvent ReplyReceived(string tenant, string reference, int sequence, NewEntry entry, IncidentStatus status) =>
        new(tenant, WebhookEventTypes.ReplyReceived, $"{reference}#{sequence.ToString(CultureInfo.InvariantCulture)}", entry.Created, new
        {
            reference,
            status,
            entry = new
            {
                sequence,
                from = entry.Sender,
                messageId = entry.MessageId,
                replyText = entry.ReplyText ?? entry.Body,
                attachments = entry.Attachments.Select(a => new { fileName = a.FileName, contentType = a.ContentType, size = a.Content.Length, sha256 = a.Sha256 }),
            },
        });

    public static WebhookEvent AddressInvalidated(string tenant, string address, string? reason, DateTimeOffset since) =>
        new(tenant, WebhookEventTypes.AddressInvalidated, $"{address}@{since.UtcTicks.ToString(CultureInfo.InvariantCulture)}", since, new { address, reason, since });

    /// <param name="failures">Polls failed in a row when the event was raised.</param>
    /// <param name="since">When the first failed poll of this run of failures ended (the key: one event per run).</param>
    public static WebhookEvent MailboxFailing(string tenant, string mailbox, int failures, string? lastError, DateTimeOffset? lastSuccess, DateTimeOffset now, DateTimeOffset since) =>
        new(tenant, WebhookEventTypes.MailboxFailing, $"{mailbox}@{since.UtcTicks.ToString(CultureInfo.InvariantCulture)}", now, new
        {
            mailbox,
            consecutiveFailures = failures,
            lastError,
            lastSuccess,
        });

    private static object Incident(IncidentSummary i) => new
    {
        reference = i.Reference,
        subject = i.Subject,
        contact = i.Contact,
        mailbox = i.Mailbox,
        status = i.Status,
        queue = i.Queue,
        priority = i.Priority,
        category = i.Category,
        assignee = i.Assignee,
        tags = i.Tags,
        created = i.Created,
        updated = i.Updated,
    };
}

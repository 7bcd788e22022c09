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
            reason = PollsFailing,
            consecutiveFailures = failures,
            lastError,
            lastSuccess,
        });

    /// <summary>The <c>reason</c> of a mailbox.failing event raised by failed polls.</summary>
    public const string PollsFailing = "polls-failing", NeedsReconnecting = "needs-reconnecting";

    /// <summary>
    /// The mailbox's delegated grant was found revoked or expired: no login works until someone connects it again. Its
    /// key is the moment it was found, so each revocation is one event, whatever number of polls run into it afterwards.
    /// </summary>
    /// <param name="problem">What the provider answered (e.g. invalid_grant).</param>
    public static WebhookEvent MailboxNeedsReconnecting(string tenant, string mailbox, string? problem, DateTimeOffset since) =>
        new(tenant, WebhookEventTypes.MailboxFailing, $"{mailbox}@{NeedsReconnecting}@{since.UtcTicks.ToString(CultureInfo.InvariantCulture)}", since, new
        {
            mailbox,
            reason = NeedsReconnecting,
            lastError = problem,
            since,
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

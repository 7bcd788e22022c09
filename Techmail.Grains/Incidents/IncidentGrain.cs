using MimeKit;
using Techmail.Certificates;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Security;
using Techmail.Webhooks;

namespace Techmail.Incidents;

/// <summary>
/// One incident. Holds nothing between calls (the tables are the record); being the only activation for its
/// reference is what numbers its thread entries one at a time when a customer mail and an agent reply arrive at once.
/// </summary>
public sealed class IncidentGrain(IncidentStore store, OutboxStore outbox, WebhookEvents webhooks, TrackingKeys trackingKeys, CertificateStore certificates, IncidentPolicy policy, TimeProvider time) : Grain, IIncidentGrain
{
    private (string Tenant, string Reference) Key => IncidentKey.Parse(this.GetPrimaryKeyString());

    public async Task<IncidentDetails?> Get()
    {
        var (tenant, reference) = Key;
        return await store.Get(tenant, reference) is { } incident
            ? new IncidentDetails(incident, await store.Thread(tenant, reference))
            : null;
    }

    public async Task<AttachmentContent?> Attachment(int sequence, int position)
    {
        var (tenant, reference) = Key;
        var entry = (await store.Thread(tenant, reference)).FirstOrDefault(e => e.Sequence == sequence);
        var info = entry?.Attachments.FirstOrDefault(a => a.Position == position);
        if (info is null || await store.AttachmentContent(tenant, reference, sequence, position) is not { } content)
        {
            return null;
        }

        return new AttachmentContent(info, content);
    }

    public async Task<int> AddCustomerMail(CustomerUpdate update)
    {
        var (tenant, reference) = Key;
        var status = update.Changes.Status ?? IncidentStatus.Updated;
        IReadOnlyDictionary<string, int>? hooked = null;
        var (sequence, appended) = await store.Append(tenant, reference, update.Entry, status, async (connection, transaction, appendedAt) =>
            hooked = await WebhookEvents.Queue(connection, transaction, [WebhookPayloads.ReplyReceived(tenant, reference, appendedAt, update.Entry, status)], time.GetUtcNow()));
        if (appended)
        {
            await store.Update(tenant, reference, update.Changes, update.Tags, update.RulesFired, time.GetUtcNow());
            await webhooks.Wake(hooked);
        }

        return sequence;
    }

    public async Task<IncidentSummary> Update(IncidentChanges changes, string? expectedTag = null)
    {
        var (tenant, reference) = Key;
        foreach (var (field, value) in new[] { ("queue", changes.Queue), ("priority", changes.Priority), ("category", changes.Category), ("assignee", changes.Assignee) })
        {
            if (value is not null && (value.Length > 200 || value.Any(char.IsControl)))
            {
                throw new IncidentException(IncidentErrorKind.Invalid, $"{field}: at most 200 characters on one line.");
            }
        }

        if (expectedTag is not null)
        {
            // Compared here, in the incident's only writer, against the row as stored: a customer's mail, a reply or
            // another agent's change since the caller read it makes the tag differ, and this change is refused.
            var current = await store.Get(tenant, reference) ?? throw NotFound(tenant, reference);
            Versions.VersionConflictException.Check($"incident {reference}", expectedTag, IncidentTag.Of(current));
        }

        _ = await store.Update(tenant, reference, changes, [], [], time.GetUtcNow()) ?? throw NotFound(tenant, reference);
        // Read back in the same turn, before any other write: the tag of the answer and of the event is the tag of the row.
        var updated = await store.Get(tenant, reference) ?? throw NotFound(tenant, reference);
        // Stored before the change is answered: a failure here fails the call, and the change made again is a new event.
        await webhooks.Raise(WebhookPayloads.IncidentUpdated(tenant, updated, Access.Caller.ActorName));
        return updated;
    }

    private static IncidentException NotFound(string tenant, string reference) =>
        new(IncidentErrorKind.NotFound, $"incident {reference} does not exist in tenant '{tenant}'.");

    public async Task<ReplyReceipt> Reply(AgentReply reply)
    {
        var (tenant, reference) = Key;
        if (string.IsNullOrWhiteSpace(reply.Body))
        {
            throw new IncidentException(IncidentErrorKind.Invalid, "a reply needs a body.");
        }

        foreach (var file in reply.Attachments)
        {
            if (string.IsNullOrWhiteSpace(file.FileName) || file.FileName.Any(char.IsControl) || !ContentType.TryParse(file.ContentType, out _))
            {
                throw new IncidentException(IncidentErrorKind.Invalid, $"attachment '{file.FileName}': needs a file name on one line and a valid content type.");
            }
        }

        var details = await Get() ?? throw new IncidentException(IncidentErrorKind.NotFound, $"incident {reference} does not exist in tenant '{tenant}'.");
        var incident = details.Incident;
        var mailbox = await GrainFactory.GetGrain<IMailboxGrain>(MailboxKey.For(tenant, incident.Mailbox)).Get();
        if (mailbox?.Settings.Outgoing is not { } outgoing)
        {
            throw new IncidentException(IncidentErrorKind.CannotSend, $"mailbox '{incident.Mailbox}' of incident {reference} has no outgoing settings; the reply was not recorded.");
        }

        var now = time.GetUtcNow();
        var messageId = TrackingToken.Create(await trackingKeys.For(tenant), tenant, reference, MailboxAddress.Parse(outgoing.EnvelopeFrom).Domain);
        // Answer the customer's newest mail, and carry the thread's ids so their client threads it with the rest.
        var ids = details.Thread.Select(e => e.MessageId).OfType<string>().ToList();
        var lastCustomer = details.Thread.LastOrDefault(e => e.Author == EntryAuthor.Customer)?.MessageId;
        var to = new MailboxAddress(null, incident.Contact);
        // The marker goes into the mail only; the thread keeps what the agent wrote.
        using var mail = IncidentMail.Reply(outgoing, reference, incident.Subject, to, IncidentMail.Marked(policy, reply.Body), reply.Attachments, messageId, lastCustomer, ids, now);
        // --- S/MIME: sign and encrypt as the mailbox asks; a reply that cannot be protected is refused, not sent in the clear.
        if (mailbox.Settings.Smime is { } smime && SmimeOutgoing.Applies(smime)
            && SmimeOutgoing.Protect(mail, smime, await SmimeKeyring.Load(certificates, tenant), SmimeAddress.Of(outgoing), incident.Contact, now).Refusal is { } refusal)
        {
            throw new IncidentException(IncidentErrorKind.CannotSend, $"{refusal}; the reply was not recorded.");
        }

        var raw = Polling.WireFormat.Bytes(mail);
        var entry = new NewEntry(
            EntryAuthor.Agent,
            reply.Agent,
            reply.Body,
            now,
            messageId,
            null,
            [.. reply.Attachments.Select(a => new NewAttachment(a.FileName, a.ContentType, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(a.Content)), false, null, a.Content))]);
        var queued = new QueuedMail(tenant, incident.Mailbox, $"reply:{messageId}", reference, outgoing.EnvelopeFrom, [incident.Contact], raw);
        var status = reply.Status ?? IncidentStatus.Waiting;
        IReadOnlyDictionary<string, int>? hooked = null;
        var (sequence, _) = await store.Append(tenant, reference, entry, status, async (connection, transaction, _) =>
        {
            await outbox.Enqueue(connection, transaction, queued, now);
            hooked = await WebhookEvents.Queue(connection, transaction, [WebhookPayloads.IncidentUpdated(tenant, incident with { Status = status, Updated = now }, Access.Caller.ActorName)], now);
        });
        await GrainFactory.GetGrain<IOutboxGrain>(MailboxKey.For(tenant, incident.Mailbox)).Wake();
        await webhooks.Wake(hooked);
        return new ReplyReceipt(reference, sequence, messageId, incident.Contact);
    }
}

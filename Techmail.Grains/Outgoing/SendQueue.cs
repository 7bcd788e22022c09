using MimeKit;
using MimeKit.Utils;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Outgoing;

/// <summary>
/// Mail an admin sends through a mailbox (<c>mailbox send</c>), queued in the mailbox's outbox rather than sent inside
/// the call: a relay that takes a minute to answer would outlast the call's timeout while the send went on, and the
/// caller, seeing a timeout, would send again. Each send is keyed by its request id, so a request asked again is the
/// same mail.
/// </summary>
public sealed class SendQueue(OutboxStore store, IGrainFactory grains)
{
    public const int MaxRequestIdLength = 64;

    /// <summary>Unique per tenant in the outbox: the mailbox is part of it, so two mailboxes never share a request.</summary>
    public static string KeyOf(string mailbox, string requestId) => $"send:{mailbox}:{requestId}";

    /// <summary>Letters, digits, '.', '_' and '-': it goes into a key and is shown back, so nothing that needs escaping.</summary>
    public static bool IsValidRequestId(string? requestId) =>
        requestId is { Length: > 0 and <= MaxRequestIdLength } && requestId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <param name="outgoing">The mailbox's outgoing settings; only its addresses are used, never the relay's secrets.</param>
    public async Task<SendTicket> Queue(string tenant, string mailbox, OutgoingSettings outgoing, OutgoingMail mail, string requestId)
    {
        var key = KeyOf(mailbox, requestId);
        if (await Existing(tenant, key, requestId) is { } earlier)
        {
            return earlier;
        }

        var message = OutgoingMessageBuilder.Build(outgoing, mail);
        // Stored as it goes on the wire: a 7-bit message the outbox can send byte for byte.
        message.Prepare(EncodingConstraint.SevenBit);
        var recipients = message.To.Mailboxes.Select(m => m.Address).ToList();
        var (id, queued) = await store.Enqueue(new QueuedMail(tenant, mailbox, key, $"request {requestId}", outgoing.EnvelopeFrom, recipients, WireFormat.Bytes(message)));
        if (!queued)
        {
            // The same request queued by a call running at the same time on another silo: its mail is the one.
            return await Existing(tenant, key, requestId) ?? throw new InvalidOperationException($"outbox mail #{id} vanished while it was being queued.");
        }

        await grains.GetGrain<IOutboxGrain>(MailboxKey.For(tenant, mailbox)).Wake();
        return new SendTicket(id, requestId, message.MessageId!, outgoing.EnvelopeFrom, recipients, AlreadyQueued: false);
    }

    private async Task<SendTicket?> Existing(string tenant, string key, string requestId)
    {
        if (await store.Find(tenant, key) is not var (entry, raw))
        {
            return null;
        }

        using var stream = new MemoryStream(raw, writable: false);
        var headers = HeaderList.Load(stream);
        var messageId = MimeUtils.EnumerateReferences(headers[HeaderId.MessageId] ?? "").FirstOrDefault() ?? "";
        return new SendTicket(entry.Id, requestId, messageId, entry.EnvelopeFrom, entry.Recipients, AlreadyQueued: true);
    }
}

using MimeKit;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Outgoing;

/// <summary>
/// Forwards a rejected message, whole, to the mailbox's reject-forward addresses through its outbox. The forward and
/// the message's trace row are written in one transaction: the message leaves the server only once both are stored,
/// and a message handled twice (a retried poll, a reprocess asked again) is forwarded once, the forward being keyed by
/// the message. The relay is never talked to here, so a slow relay never holds a poll or an admin's call.
/// </summary>
public sealed class RejectForwarding(TechmailDatabase database, OutboxStore outbox, IGrainFactory grains, TimeProvider time)
{
    /// <summary>Unique per tenant in the outbox: one forward per message of a mailbox.</summary>
    public static string KeyOf(string mailbox, string messageKey) => $"reject:{mailbox}:{messageKey}";

    /// <param name="outgoing">The mailbox's outgoing settings; only its addresses are used.</param>
    /// <param name="trace">The message's trace row (verdict Rejected), committed with the forward.</param>
    /// <returns>The forward's id in the outbox.</returns>
    public async Task<long> Queue(
        string tenant, string mailbox, OutgoingSettings outgoing, MimeMessage original, string reason, IReadOnlyList<string> forwardTo, TraceEntry trace)
    {
        var notice = RejectionNotice.Build(outgoing, mailbox, original, reason, forwardTo);
        var mail = new QueuedMail(
            tenant, mailbox, KeyOf(mailbox, trace.MessageKey), $"rejected {trace.MessageKey}", outgoing.EnvelopeFrom,
            [.. notice.To.Mailboxes.Select(m => m.Address)], WireFormat.Bytes(notice));
        long id;
        await using (var turn = await database.WriterTurn())
        {
            await using var connection = await turn.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            (id, _) = await outbox.Enqueue(connection, transaction, mail, time.GetUtcNow());
            await MessageLedger.Record(connection, transaction, tenant, mailbox, [trace]);
            await transaction.CommitAsync();
        }

        await grains.GetGrain<IOutboxGrain>(MailboxKey.For(tenant, mailbox)).Wake();
        return id;
    }
}

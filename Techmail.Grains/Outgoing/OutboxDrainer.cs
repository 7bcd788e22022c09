using Microsoft.Extensions.Logging;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Outgoing;

/// <summary>What one drain of an outbox came to.</summary>
/// <param name="PausedUntil">No send before this time: the relay was unreachable, or refused the login (then <paramref name="Held"/> says so).</param>
/// <param name="LastError">The error of the latest send that will be retried.</param>
public sealed record DrainOutcome(int Sent, int Failed, DateTimeOffset? PausedUntil, string? Held, string? LastError);

/// <summary>
/// Sends a mailbox's due mail, oldest first, a batch over one SMTP session, and records each outcome by the
/// <see cref="OutboxPolicy"/>; a batch's sent mail is marked in one statement. Mail waiting for its retry does not
/// hold up mail behind it: a greylisting recipient must not delay everyone else's acknowledgement.
/// </summary>
/// <remarks>
/// Sending is at least once: a crash after the relay accepted a mail and before the batch was marked sends it again,
/// with the same Message-ID, which lets the recipient's system recognise it.
/// </remarks>
public sealed class OutboxDrainer(OutboxStore store, MailSender sender, OutboxPolicy policy, TimeProvider time, ILogger<OutboxDrainer> logger)
{
    private const int BatchSize = 50;

    /// <param name="outgoing">The mailbox's outgoing settings with the relay password revealed.</param>
    public async Task<DrainOutcome> Drain(string tenant, string mailbox, OutgoingSettings outgoing, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = await store.Due(tenant, mailbox, time.GetUtcNow(), BatchSize);
            if (due.Count == 0)
            {
                break;
            }

            var sentNow = new List<long>(due.Count);
            DrainOutcome? stop = null;
            SmtpSession? session = null;
            try
            {
                foreach (var item in due)
                {
                    try
                    {
                        session ??= await sender.Open(outgoing, cancellationToken);
                        await session.SendRaw(item.EnvelopeFrom, item.Recipients, item.Raw, cancellationToken);
                        sentNow.Add(item.Id);
                    }
                    catch (MailFetchException e)
                    {
                        if (session is { Usable: false })
                        {
                            await session.DisposeAsync();
                            session = null;
                        }

                        stop = await Record(tenant, mailbox, item, e, tally);
                        if (stop is not null)
                        {
                            break;
                        }
                    }
                }
            }
            finally
            {
                if (session is not null)
                {
                    await session.Close(CancellationToken.None);
                    await session.DisposeAsync();
                }

                // In the finally too: mail the relay accepted before a stop or a crash of the loop is marked, not resent.
                await store.MarkSent(sentNow, time.GetUtcNow());
                tally.Sent += sentNow.Count;
            }

            if (stop is not null)
            {
                return stop with { Sent = tally.Sent };
            }
        }

        return new DrainOutcome(tally.Sent, tally.Failed, null, null, tally.LastError);
    }

    /// <summary>Records one failed send; returns the drain's outcome when the whole outbox must stop for now.</summary>
    private async Task<DrainOutcome?> Record(string tenant, string mailbox, OutboxItem item, MailFetchException e, Tally tally)
    {
        var now = time.GetUtcNow();
        var decision = policy.Decide(e, item.Attempts + 1, item.Created, now);
        switch (decision.Action)
        {
            case SendAction.Hold:
                // Not the mail's fault: it keeps its attempts and its place.
                logger.LogWarning("Outbox of {Tenant}/{Mailbox} held: {Reason}", tenant, mailbox, decision.Reason);
                return new DrainOutcome(tally.Sent, tally.Failed, decision.RetryAt, decision.Reason, tally.LastError);
            case SendAction.Fail:
                await store.MarkFailed(item.Id, decision.Reason, now);
                tally.Failed++;
                logger.LogWarning("Outbox mail {Id} of {Tenant}/{Mailbox} failed: {Reason}", item.Id, tenant, mailbox, decision.Reason);
                return null;
            default:
                await store.RetryAt(item.Id, decision.RetryAt!.Value, decision.Reason, now);
                tally.LastError = decision.Reason;
                logger.LogInformation("Outbox mail {Id} of {Tenant}/{Mailbox} retries at {At}: {Reason}", item.Id, tenant, mailbox, decision.RetryAt, decision.Reason);
                // Every other mail would meet the same dead relay; they wait with this one.
                return decision.RelayDown ? new DrainOutcome(tally.Sent, tally.Failed, decision.RetryAt, null, tally.LastError) : null;
        }
    }

    private sealed class Tally
    {
        public int Sent { get; set; }

        public int Failed { get; set; }

        public string? LastError { get; set; }
    }
}

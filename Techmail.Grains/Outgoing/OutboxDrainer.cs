using Microsoft.Extensions.Logging;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Outgoing;

/// <summary>What one drain of an outbox came to.</summary>
/// <param name="PausedUntil">No send before this time: the relay was unreachable, or refused the login (then <paramref name="Held"/> says so).</param>
/// <param name="LastError">The error of the latest send that will be retried.</param>
public sealed record DrainOutcome(int Sent, int Failed, DateTimeOffset? PausedUntil, string? Held, string? LastError);

/// <summary>
/// Sends a mailbox's due mail, oldest first, one SMTP session each, and records each outcome by the
/// <see cref="OutboxPolicy"/>. Mail waiting for its retry does not hold up mail behind it: a greylisting
/// recipient must not delay everyone else's acknowledgement.
/// </summary>
public sealed class OutboxDrainer(OutboxStore store, MailSender sender, OutboxPolicy policy, TimeProvider time, ILogger<OutboxDrainer> logger)
{
    private const int BatchSize = 50;

    /// <param name="outgoing">The mailbox's outgoing settings with the relay password revealed.</param>
    public async Task<DrainOutcome> Drain(string tenant, string mailbox, OutgoingSettings outgoing, CancellationToken cancellationToken)
    {
        int sent = 0, failed = 0;
        string? lastError = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = await store.Due(tenant, mailbox, time.GetUtcNow(), BatchSize);
            if (due.Count == 0)
            {
                break;
            }

            foreach (var item in due)
            {
                try
                {
                    await sender.SendRaw(outgoing, item.EnvelopeFrom, item.Recipients, item.Raw, cancellationToken);
                    await store.MarkSent(item.Id, time.GetUtcNow());
                    sent++;
                    continue;
                }
                catch (FormatException e)
                {
                    // A stored message or address that no longer parses will not parse on a retry either.
                    await store.MarkFailed(item.Id, $"the queued message cannot be sent as stored: {e.Message}", time.GetUtcNow());
                    failed++;
                }
                catch (MailFetchException e)
                {
                    var now = time.GetUtcNow();
                    var decision = policy.Decide(e, item.Attempts + 1, item.Created, now);
                    switch (decision.Action)
                    {
                        case SendAction.Hold:
                            // Not the mail's fault: it keeps its attempts and its place.
                            logger.LogWarning("Outbox of {Tenant}/{Mailbox} held: {Reason}", tenant, mailbox, decision.Reason);
                            return new DrainOutcome(sent, failed, decision.RetryAt, decision.Reason, lastError);
                        case SendAction.Fail:
                            await store.MarkFailed(item.Id, decision.Reason, now);
                            failed++;
                            logger.LogWarning("Outbox mail {Id} of {Tenant}/{Mailbox} failed: {Reason}", item.Id, tenant, mailbox, decision.Reason);
                            break;
                        default:
                            await store.RetryAt(item.Id, decision.RetryAt!.Value, decision.Reason, now);
                            lastError = decision.Reason;
                            logger.LogInformation("Outbox mail {Id} of {Tenant}/{Mailbox} retries at {At}: {Reason}", item.Id, tenant, mailbox, decision.RetryAt, decision.Reason);
                            if (decision.RelayDown)
                            {
                                // Every other mail would meet the same dead relay; they wait with this one.
                                return new DrainOutcome(sent, failed, decision.RetryAt, null, lastError);
                            }

                            break;
                    }
                }
            }
        }

        return new DrainOutcome(sent, failed, null, null, lastError);
    }
}

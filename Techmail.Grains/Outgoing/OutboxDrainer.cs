using Microsoft.Extensions.Logging;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Polling;

namespace Techmail.Outgoing;

/// <summary>What one drain of an outbox came to.</summary>
/// <param name="PausedUntil">No send before this time: the relay was unreachable, or refused the login (then <paramref name="Held"/> says so).</param>
/// <param name="LastError">The error of the latest send that will be retried.</param>
public sealed record DrainOutcome(int Sent, int Failed, DateTimeOffset? PausedUntil, string? Held, string? LastError);

/// <summary>
/// Sends a mailbox's due mail, oldest first, a batch at a time over a few SMTP connections at once, and records each
/// outcome by the <see cref="OutboxPolicy"/>. Mail waiting for its retry does not hold up mail behind it: a
/// greylisting recipient must not delay everyone else's acknowledgement.
/// </summary>
/// <remarks>
/// Each mail is journaled the moment its last byte goes to the relay (<see cref="AcceptedMailJournal"/>) and marked
/// sent by the next commit (<see cref="SentMarks"/>), so a silo killed mid-drain sends again at most what its last
/// commit had not reached when another silo takes the outbox over, and nothing after its own restart. A connection
/// that fails before the relay's answer, on the other hand, sends the mail again: the bytes may never have reached the
/// relay. Beyond the journal, sending is at least once, with the same Message-ID, which lets the recipient's system
/// recognise a copy.
/// </remarks>
public sealed class OutboxDrainer(OutboxStore store, AcceptedMailJournal journal, MailSender sender, OutboxPolicy policy, TimeProvider time, ILogger<OutboxDrainer> logger)
{
    // A batch is sent over several connections at once: one connection waits for the relay's answer to each mail
    // in turn, and a relay takes a few connections from one client without complaint.
    private const int MaxConnections = 4;
    private const int MailsPerConnection = 50;

    // Connections stay open from batch to batch of one drain: a connection, its greeting, EHLO and QUIT cost the relay
    // and this silo more than a mail does. Bounded, as relays bound the mail they take over one connection.
    private const int MailsPerSession = 500;

    /// <param name="outgoing">The mailbox's outgoing settings with the relay password revealed.</param>
    public async Task<DrainOutcome> Drain(string tenant, string mailbox, OutgoingSettings outgoing, CancellationToken cancellationToken)
    {
        // What a killed run of this silo had accepted is marked before anything is sent.
        await journal.Recovered();
        var sessions = Enumerable.Range(0, MaxConnections).Select(_ => new Connection()).ToArray();
        try
        {
            return await Drain(tenant, mailbox, outgoing, sessions, cancellationToken);
        }
        finally
        {
            foreach (var connection in sessions)
            {
                await connection.Close();
            }
        }
    }

    private async Task<DrainOutcome> Drain(string tenant, string mailbox, OutgoingSettings outgoing, Connection[] sessions, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        var marks = new SentMarks(store, journal, time);
        // Fewer for the rest of this drain when the relay refuses connections beyond its per-client limit.
        var connections = MaxConnections;
        // Batches follow each other by id, past the last one sent: the next goes out while the marks of the last are
        // still committing, which waits for the database's writer (the incident builder holds it a while at a time).
        long? after = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                marks.ThrowIfRefused();
                var due = await store.Due(tenant, mailbox, time.GetUtcNow(), connections * MailsPerConnection, after);
                if (due.Count == 0)
                {
                    if (after is null)
                    {
                        break;
                    }

                    // Once more from the oldest, for mail behind the last batch that has come due meanwhile (a retry,
                    // or mail a refused connection left). Only after the marks are in: unmarked mail would go again.
                    await marks.Flush();
                    after = null;
                    continue;
                }

                after = due[^1].Id;
                var batch = new Batch(tenant, mailbox, outgoing, marks, tally);
                // Oldest first on every connection: slices of consecutive mail, not a deal of the cards.
                var perConnection = Math.Max(1, (due.Count + connections - 1) / connections);
                await Task.WhenAll(due.Chunk(perConnection).Select((slice, i) => Task.Run(() => Send(batch, slice, sessions[i], first: i == 0, cancellationToken), CancellationToken.None)));

                if (batch.Stop is { } stop)
                {
                    await marks.Flush();
                    return stop with { Sent = marks.Marked };
                }

                if (batch.RefusedConnections > 0)
                {
                    connections = Math.Max(1, connections - batch.RefusedConnections);
                    logger.LogInformation("Relay of {Tenant}/{Mailbox} refused {Refused} extra connection(s); sending over {Connections}", tenant, mailbox, batch.RefusedConnections, connections);
                }
            }

            await marks.Flush();
            return new DrainOutcome(marks.Marked, tally.Failed, null, null, tally.LastError);
        }
        finally
        {
            // Never leave a commit running behind a failed drain; what it could not mark stays in the journal.
            await marks.Flush().ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Sends one slice of a batch over a connection of its own, until done or until the batch must stop.</summary>
    /// <param name="first">
    /// The first slice's connection speaks for the relay: if it cannot be had, the relay is down or refusing, and its
    /// mail is recorded so. Another slice that cannot connect meets the relay's limit on connections from one client;
    /// its mail stays queued, untouched, for the next round over fewer connections.
    /// </param>
    private async Task Send(Batch batch, OutboxItem[] slice, Connection connection, bool first, CancellationToken cancellationToken)
    {
        foreach (var item in slice)
        {
            if (batch.Stop is not null)
            {
                break;
            }

            using var span = item.AcknowledgedMessageKey is { } acknowledged
                ? MessageTrace.Start(MessageTrace.Acknowledgement, batch.Tenant, batch.Mailbox, acknowledged)
                : null;
            // An acknowledgement's lines, a failure's included, carry the trace id of the customer mail it answers.
            using var scope = item.AcknowledgedMessageKey is { } answered ? logger.BeginMessageScope(batch.Tenant, batch.Mailbox, answered) : null;
            var handedOver = false;
            void HandOver()
            {
                journal.HandedOver(item.Id);
                handedOver = true;
            }

            // Without the relay's answer the mail is not taken for sent while this silo lives: bytes written to a
            // connection that then fails may never have reached the relay (a middlebox, a reset), and a lost mail is
            // worse than a second copy. Only a silo killed after the hand-over leaves the entry, and the kernel still
            // delivers what the process wrote.
            void Undo()
            {
                if (handedOver)
                {
                    journal.Refused(item.Id);
                    handedOver = false;
                }
            }

            try
            {
                if (connection.Session is null || connection.Sent >= MailsPerSession)
                {
                    await connection.Close();
                    try
                    {
                        connection.Session = await sender.Open(batch.Outgoing, MailboxKey.For(batch.Tenant, batch.Mailbox), cancellationToken);
                    }
                    catch (MailFetchException e) when (!first)
                    {
                        logger.LogDebug("Extra relay connection for {Tenant}/{Mailbox} refused: {Reason}", batch.Tenant, batch.Mailbox, e.Message);
                        lock (batch)
                        {
                            batch.RefusedConnections++;
                        }

                        return;
                    }
                }

                try
                {
                    await connection.Session.SendRaw(item.EnvelopeFrom, item.Recipients, item.Raw, cancellationToken, HandOver);
                }
                catch (MailFetchException e) when (connection.Sent > 0 && e.SmtpReply is null)
                {
                    // A kept connection the relay has dropped since its last mail says nothing about this one: once
                    // more over a new connection, whose failure then counts.
                    Undo();
                    await connection.Close();
                    connection.Session = await sender.Open(batch.Outgoing, MailboxKey.For(batch.Tenant, batch.Mailbox), cancellationToken);
                    await connection.Session.SendRaw(item.EnvelopeFrom, item.Recipients, item.Raw, cancellationToken, HandOver);
                }

                connection.Sent++;
                Sent(batch, item, handedOver, span);
            }
            catch (MailFetchException e)
            {
                Undo();

                if (connection.Session is { Usable: false })
                {
                    await connection.Close();
                }

                span?.SetTag("techmail.verdict", "not_sent");
                span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
                if (await Record(batch.Tenant, batch.Mailbox, item, e, batch.Tally) is { } stop)
                {
                    lock (batch)
                    {
                        batch.Stop ??= stop;
                    }
                }
            }
            catch (Exception e) when (Faults.Faults.Classify(e) == Faults.FaultKind.ThisMessage)
            {
                // The mail itself cannot be sent (an address or bytes the client library refuses): it would fail the
                // same way every time and hold back the mail queued after it, so it fails now, with the reason.
                Undo();

                if (connection.Session is { Usable: false })
                {
                    await connection.Close();
                }

                await store.MarkFailed(item.Id, $"cannot be sent: {Faults.Faults.Summary(e)}", time.GetUtcNow());
                TechmailMetrics.OutboxFinished(item.Kind, sent: false);
                span?.SetTag("techmail.verdict", "failed");
                lock (batch.Tally)
                {
                    batch.Tally.Failed++;
                }

                logger.LogWarning(e, "Outbox mail {Id} of {Tenant}/{Mailbox} cannot be sent", item.Id, batch.Tenant, batch.Mailbox);
            }
        }
    }

    private void Sent(Batch batch, OutboxItem item, bool handedOver, System.Diagnostics.Activity? span)
    {
        batch.Marks.Add(item.Id, handedOver);
        TechmailMetrics.OutboxFinished(item.Kind, sent: true);
        span?.SetTag("techmail.verdict", "sent");
        logger.LogDebug("Outbox mail {Id} of {Tenant}/{Mailbox} sent: {Kind} {Reference}", item.Id, batch.Tenant, batch.Mailbox, item.Kind, item.Reference ?? "");
    }

    /// <summary>One of a drain's connections to the relay, kept from batch to batch; used by one slice at a time.</summary>
    private sealed class Connection
    {
        public SmtpSession? Session { get; set; }

        public int Sent { get; set; }

        /// <summary>Says QUIT if the session is still good, and forgets it.</summary>
        public async Task Close()
        {
            if (Session is { } session)
            {
                Session = null;
                Sent = 0;
                await session.Close(CancellationToken.None);
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>Records one failed send; returns the drain's outcome when the whole outbox must stop for now (its Sent filled in by the caller).</summary>
    private async Task<DrainOutcome?> Record(string tenant, string mailbox, OutboxItem item, MailFetchException e, Tally tally)
    {
        var now = time.GetUtcNow();
        var decision = policy.Decide(e, item.Attempts + 1, item.Created, now);
        switch (decision.Action)
        {
            case SendAction.Hold:
                // Not the mail's fault: it keeps its attempts and its place.
                logger.LogWarning("Outbox of {Tenant}/{Mailbox} held: {Reason}", tenant, mailbox, decision.Reason);
                return new DrainOutcome(0, tally.Failed, decision.RetryAt, decision.Reason, tally.LastError);
            case SendAction.Fail:
                await store.MarkFailed(item.Id, decision.Reason, now);
                TechmailMetrics.OutboxFinished(item.Kind, sent: false);
                lock (tally)
                {
                    tally.Failed++;
                }

                logger.LogWarning("Outbox mail {Id} of {Tenant}/{Mailbox} failed: {Reason}", item.Id, tenant, mailbox, decision.Reason);
                return null;
            default:
                await store.RetryAt(item.Id, decision.RetryAt!.Value, decision.Reason, now);
                lock (tally)
                {
                    tally.LastError = decision.Reason;
                }

                logger.LogInformation("Outbox mail {Id} of {Tenant}/{Mailbox} retries at {At}: {Reason}", item.Id, tenant, mailbox, decision.RetryAt, decision.Reason);
                // Every other mail would meet the same dead relay; they wait with this one.
                return decision.RelayDown ? new DrainOutcome(0, tally.Failed, decision.RetryAt, null, tally.LastError) : null;
        }
    }

    /// <summary>One batch, shared by its connections; they change it under its lock.</summary>
    private sealed record Batch(string Tenant, string Mailbox, OutgoingSettings Outgoing, SentMarks Marks, Tally Tally)
    {
        public DrainOutcome? Stop { get; set; }

        public int RefusedConnections { get; set; }
    }

    private sealed class Tally
    {
        public int Failed { get; set; }

        public string? LastError { get; set; }
    }
}

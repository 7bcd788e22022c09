using Microsoft.Extensions.Logging;
using MimeKit;
using Techmail.Faults;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Outgoing;
using Techmail.Quarantine;

namespace Techmail.Polling;

/// <summary>
/// A poll's recording stage, the only one that writes: for each examined message, the trace row of a discard or a
/// rejection (with its forward queued through the outbox), the quarantine, or the hand-off to intake. Only what it has
/// recorded may leave the server. What one message makes a write throw sets only that message aside; an outage ends
/// the poll with nothing of the batch deleted. Reprocessing a quarantined message goes through the same writes.
/// </summary>
public sealed class BatchRecorder(
    MessageExaminer examiner,
    MessageLedger ledger,
    QuarantineStore quarantine,
    RejectForwarding forwarding,
    RecordedMailMemory recorded,
    TimeProvider time,
    ILogger<BatchRecorder> logger)
{
    /// <summary>
    /// Records what becomes of each examined message of a batch and hands the accepted ones to intake; returns the
    /// messages that may now leave the server. Parses handed on in memory to the incident builder are added to
    /// <paramref name="kept"/>, and are then the builder's to dispose.
    /// </summary>
    public async Task<List<RemoteMessage>> Record(PollRequest request, IReadOnlyList<FetchedMessage> fetched, Examined[] examined, HashSet<MimeMessage> kept, PollReport report)
    {
        var known = await ledger.Known(request.Tenant, request.Mailbox, [.. examined.Select(e => e.Key)]);
        var done = new List<RemoteMessage>(fetched.Count);
        var traced = new List<TraceEntry>();
        var accepted = new List<(InboundMessage Message, RemoteMessage Remote, MimeMessage Parsed)>();
        var now = time.GetUtcNow();

        for (var i = 0; i < fetched.Count; i++)
        {
            var (remote, raw) = (fetched[i].Remote, fetched[i].Raw);
            var (key, message, problem, from, verdict, inbound) = examined[i];
            Screened(request, key, known.Contains(key) ? "duplicate" : verdict?.Outcome.ToString() ?? "unreadable", verdict?.Reason ?? (message is null ? problem : null));
            if (known.Contains(key))
            {
                MessageTrace.Start(MessageTrace.Intake, request.Tenant, request.Mailbox, key, "duplicate")?.Dispose();
                report.Duplicates++;
                done.Add(remote);
                continue;
            }

            if (message is null || verdict is null)
            {
                if (await SetAside(request, key, remote.Uid, null, null, raw, MailStage.Screening, problem, report))
                {
                    done.Add(remote);
                }

                continue;
            }

            switch (verdict.Outcome)
            {
                case ScreenOutcome.Discard:
                    traced.Add(new TraceEntry(key, remote.Uid, message.MessageId, from, message.Subject, raw.LongLength, TraceVerdict.Discarded, verdict.Reason, now));
                    report.Discarded++;
                    done.Add(remote);
                    break;
                case ScreenOutcome.Reject:
                    if (await Reject(request, key, remote, raw, message, from, verdict.Reason ?? "rejected", report))
                    {
                        done.Add(remote);
                    }

                    break;
                default:
                    if (inbound is not null)
                    {
                        accepted.Add((inbound, remote, message));
                    }
                    else
                    {
                        // A person's reply or an unsubscribe request: a person must read it, never a silent drop.
                        if (await Reject(request, key, remote, raw, message, from, MessageExaminer.NotABounce, report))
                        {
                            done.Add(remote);
                        }
                    }

                    break;
            }
        }

        // A trace row is all a discarded or forwarded message leaves; one the database refuses keeps its message on the server.
        foreach (var (entry, failure) in await MessageIsolation.Each(traced, some => ledger.Record(request.Tenant, request.Mailbox, some)))
        {
            done.RemoveAll(r => r.Uid == entry.ServerUid);
            report.LeftOnServer++;
            report.Error = $"message {entry.ServerUid} could not be traced, left on the server: {Faults.Faults.Summary(failure)}";
        }

        if (accepted.Count > 0)
        {
            if (request.Settings.Type == MailboxType.Service)
            {
                // Before the hand-off, which wakes the incident builder: on this silo it takes the mail and the parse
                // from memory instead of reading and parsing it again.
                foreach (var (message, _, parsed) in accepted)
                {
                    recorded.Keep(message.Tenant, message.Mailbox, message.MessageKey, message.Raw, parsed);
                    kept.Add(parsed);
                }
            }

            var stays = await HandOff(request, accepted.Select(a => a.Message).ToList(), report);
            done.AddRange(accepted.Where(a => !stays.Contains(a.Message.MessageKey)).Select(a => a.Remote));
        }

        return done;
    }

    /// <summary>Runs a quarantined message through screening and hand-off again; it stays quarantined if it still fails.</summary>
    public async Task<TraceEntry> Reprocess(PollRequest request, string key, string uid, byte[] raw)
    {
        var now = time.GetUtcNow();
        if (!MessageParsing.TryParse(raw, out var message, out var problem))
        {
            return new TraceEntry(key, uid, null, null, null, raw.LongLength, TraceVerdict.Quarantined, problem, now);
        }

        var from = MessageExaminer.SenderOf(message);
        var verdict = new MessageScreen(request.Settings.DiscardFilters, request.Settings.Attachments).Screen(message, raw.LongLength);
        TraceEntry Entry(TraceVerdict v, string? reason) => new(key, uid, message.MessageId, from, message.Subject, raw.LongLength, v, reason, now);
        switch (verdict.Outcome)
        {
            case ScreenOutcome.Discard:
                var discarded = Entry(TraceVerdict.Discarded, verdict.Reason);
                await ledger.Record(request.Tenant, request.Mailbox, [discarded]);
                return discarded;
            case ScreenOutcome.Reject when request.Settings.RejectForwardAddresses.Count > 0 && request.Settings.Outgoing is { } outgoing:
                // Queued with its trace row: asked again, the same forward is found by the message's key, never sent twice.
                var reason = verdict.Reason ?? "rejected";
                var rejected = Entry(TraceVerdict.Rejected, Forwarded(reason, request.Settings.RejectForwardAddresses));
                await forwarding.Queue(request.Tenant, request.Mailbox, outgoing, message, reason, request.Settings.RejectForwardAddresses, rejected);
                return rejected;
            case ScreenOutcome.Reject:
                return Entry(TraceVerdict.Quarantined, $"rejected: {verdict.Reason}");
            default:
                if (examiner.ToInbound(request, key, uid, message, from, raw) is not { } inbound)
                {
                    return Entry(TraceVerdict.Quarantined, MessageExaminer.NotABounce);
                }

                await request.HandOff([inbound]);
                return Entry(TraceVerdict.Accepted, "reprocessed");
        }
    }

    /// <summary>
    /// Hands a batch off; returns the keys of messages that must stay on the server. When intake itself is unavailable
    /// (the silo is stopping, the database is down) the session ends with nothing deleted, to be retried; a message
    /// that intake refuses on its own account is quarantined and the rest of the batch goes on.
    /// </summary>
    private async Task<HashSet<string>> HandOff(PollRequest request, IReadOnlyList<InboundMessage> batch, PollReport report)
    {
        IReadOnlyList<Failed<InboundMessage>> failed;
        // One span per message for the hand-off they share; none at all when nobody listens.
        var spans = MessageTrace.Source.HasListeners()
            ? batch.Select(m => MessageTrace.Start(MessageTrace.Intake, m.Tenant, m.Mailbox, m.MessageKey)).ToList()
            : null;
        try
        {
            failed = await MessageIsolation.Each(batch, request.HandOff);
        }
        catch (Exception e) when (e is not MailFetchException)
        {
            EndSpans(spans, _ => "left_on_server");
            throw new MailFetchException(MailFetchFailure.Transient, $"intake unavailable, nothing deleted: {Faults.Faults.Summary(e)}", e);
        }

        if (spans is not null)
        {
            var refused = failed.Select(f => f.Item.MessageKey).ToHashSet(StringComparer.Ordinal);
            EndSpans(spans, key => refused.Contains(key) ? "quarantined" : "accepted");
        }

        report.Accepted += batch.Count - failed.Count;
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var stage = request.Settings.Type == MailboxType.Marketing ? MailStage.BounceIntake : MailStage.Intake;
        foreach (var (m, failure) in failed)
        {
            using (logger.BeginMessageScope(request.Tenant, request.Mailbox, m.MessageKey))
            {
                logger.LogWarning(failure, "Hand-off of {Key} for {Tenant}/{Mailbox} failed; quarantining it", m.MessageKey, request.Tenant, request.Mailbox);
            }

            if (!await SetAside(request, m.MessageKey, m.ServerUid, m.From, m.Subject, m.Raw, stage, $"hand-off failed: {Faults.Faults.Summary(failure)}", report))
            {
                kept.Add(m.MessageKey);
            }
        }

        return kept;
    }

    /// <summary>The poll's line about one message it took, in the message's scope; nothing at all unless debug lines are on.</summary>
    private void Screened(PollRequest request, string key, string verdict, string? reason)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        using (logger.BeginMessageScope(request.Tenant, request.Mailbox, key))
        {
            logger.LogDebug("Mail {Key} of {Tenant}/{Mailbox} polled: {Verdict}", key, request.Tenant, request.Mailbox,
                reason is null ? verdict.ToLowerInvariant() : $"{verdict.ToLowerInvariant()} ({reason})");
        }
    }

    private static void EndSpans(List<System.Diagnostics.Activity?>? spans, Func<string, string> verdict)
    {
        foreach (var span in spans ?? [])
        {
            if (span is not null)
            {
                span.SetTag("techmail.verdict", verdict((string)span.GetTagItem("techmail.message.key")!));
                span.Dispose();
            }
        }
    }

    /// <summary>
    /// Quarantines one message; true when it may now leave the server. One that even the quarantine refuses stays on
    /// the server, and the status says why; an outage fails the poll with nothing of the batch deleted.
    /// </summary>
    private Task<bool> SetAside(PollRequest request, string key, string uid, string? from, string? subject, byte[] raw, MailStage stage, string reason, PollReport report) =>
        MessageIsolation.One(
            async () =>
            {
                await quarantine.Hold(request.Tenant, request.Mailbox, key, uid, from, subject, raw, stage, reason);
                report.Quarantined++;
                return true;
            },
            failure =>
            {
                report.LeftOnServer++;
                report.Error = $"message {uid} could not be quarantined, left on the server: {Faults.Faults.Summary(failure)}";
                return Task.FromResult(false);
            });

    /// <summary>
    /// Quarantines a rejected message, or forwards it when the mailbox says where to; true when it may then leave the
    /// server. A forward that cannot be queued for the message's own sake (a notice its headers break) quarantines it.
    /// </summary>
    private async Task<bool> Reject(
        PollRequest request, string key, RemoteMessage remote, byte[] raw, MimeMessage message, string? from, string reason, PollReport report)
    {
        var settings = request.Settings;
        if (settings.RejectForwardAddresses.Count == 0 || settings.Outgoing is null)
        {
            return await SetAside(request, key, remote.Uid, from, message.Subject, raw, MailStage.Screening, $"rejected: {reason}", report);
        }

        // The forward goes through the outbox, committed with the trace row: once this returns the message may leave the
        // server, and the relay's speed or mood no longer matters to the poll.
        var entry = new TraceEntry(key, remote.Uid, message.MessageId, from, message.Subject, raw.LongLength, TraceVerdict.Rejected, Forwarded(reason, settings.RejectForwardAddresses), time.GetUtcNow());
        return await MessageIsolation.One(
            async () =>
            {
                await forwarding.Queue(request.Tenant, request.Mailbox, settings.Outgoing, message, reason, settings.RejectForwardAddresses, entry);
                report.Rejected++;
                return true;
            },
            failure => SetAside(request, key, remote.Uid, from, message.Subject, raw, MailStage.Screening, $"rejected: {reason}; the forward could not be queued: {Faults.Faults.Summary(failure)}", report));
    }

    private static string Forwarded(string reason, IReadOnlyList<string> to) => $"{reason}; forwarded to {string.Join(", ", to)} through the outbox";
}

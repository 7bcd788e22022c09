using Microsoft.Extensions.Logging;
using MimeKit;
using Polly.CircuitBreaker;
using Techmail.Bounces;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Quarantine;

namespace Techmail.Polling;

/// <summary>
/// One poll of one mailbox: list, download in batches, recognise what was already handled, screen,
/// hand off, and only then delete. Every message leaves the server as an accepted, discarded, rejected
/// or quarantined record, or stays there.
/// </summary>
public sealed class MailboxPoller(
    MailFetcher fetcher,
    BounceClassifier classifier,
    ResiliencePipelines pipelines,
    MessageLedger ledger,
    QuarantineStore quarantine,
    RejectForwarding forwarding,
    RecordedMailMemory recorded,
    PollingLimits limits,
    TimeProvider time,
    ILogger<MailboxPoller> logger)
{
    public async Task<PollReport> Poll(PollRequest request, CancellationToken cancellationToken)
    {
        var incoming = request.Settings.Incoming ?? throw new InvalidOperationException("the mailbox has no incoming settings.");
        var report = new PollReport();
        var screen = new MessageScreen(request.Settings.DiscardFilters, request.Settings.Attachments);
        try
        {
            await pipelines.For(Server(incoming)).ExecuteAsync(
                async ct =>
                {
                    // A retried attempt starts a fresh session; what the failed one handed off is recognised by key.
                    await RunSession(request, incoming, screen, report, ct);
                },
                cancellationToken);
        }
        catch (MailFetchException e)
        {
            report.Failure = e.Failure;
            report.Error = e.Message;
        }
        catch (BrokenCircuitException e)
        {
            report.Failure = MailFetchFailure.Transient;
            report.Error = $"{incoming.Host}: circuit open after repeated failures; next try in {(e.RetryAfter ?? limits.CircuitBreakDuration).TotalSeconds:0}s";
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            report.Failure = MailFetchFailure.Transient;
            report.Error = $"{incoming.Host}: the poll took longer than {limits.SessionTimeout.TotalMinutes:0} minutes";
        }

        report.Circuit = pipelines.State(Server(incoming));
        return report;
    }

    /// <summary>Runs a quarantined message through screening and hand-off again; it stays quarantined if it still fails.</summary>
    public async Task<TraceEntry> Reprocess(PollRequest request, string key, string uid, byte[] raw)
    {
        var now = time.GetUtcNow();
        if (!MessageParsing.TryParse(raw, out var message, out var problem))
        {
            return new TraceEntry(key, uid, null, null, null, raw.LongLength, TraceVerdict.Quarantined, problem, now);
        }

        var from = SenderOf(message);
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
                if (ToInbound(request, key, uid, message, from, raw) is not { } inbound)
                {
                    return Entry(TraceVerdict.Quarantined, NotABounce);
                }

                await request.HandOff([inbound]);
                return Entry(TraceVerdict.Accepted, "reprocessed");
        }
    }

    private async Task RunSession(PollRequest request, IncomingSettings incoming, MessageScreen screen, PollReport report, CancellationToken ct)
    {
        var server = $"{incoming.Host}:{incoming.EffectivePort}";
        IMailSession? session = null;
        Task<(IMailSession Session, IReadOnlyList<RemoteMessage> Listing)>? opening = null;
        Task? ending = null;
        try
        {
            session = await fetcher.Open(incoming, ct);
            var listed = await session.List(ct);
            report.Listed = listed.Count;
            var wanted = new List<RemoteMessage>(listed.Count);
            foreach (var message in listed)
            {
                if (message.Size > limits.MaxDownloadBytes)
                {
                    report.LeftOnServer++;
                    report.Error = $"message {message.Uid} is {message.Size:N0} bytes, over the {limits.MaxDownloadBytes:N0}-byte download limit; left on the server";
                }
                else
                {
                    wanted.Add(message);
                }
            }

            var parts = session.SplitsLongPolls ? SessionParts(wanted) : [wanted];
            for (var i = 0; ; i++)
            {
                // The next session logs in and lists while this one downloads. The server deletes at QUIT (for a
                // thousand messages, a fifth of a second of its time) and a login waits for that; opened early, the
                // next session downloads while the last one's QUIT is still deleting.
                opening = i + 1 < parts.Count ? Task.Run(() => OpenListed(incoming, ct), ct) : null;
                await Transfer(request, screen, session, parts[i], report, ct);
                if (ending is not null)
                {
                    // Long over by now (a whole part was transferred meanwhile); a failure of it fails the poll.
                    await ending;
                }

                var ended = session;
                session = null;
                ending = Task.Run(() => End(ended, ct), ct);
                if (opening is null)
                {
                    break;
                }

                var next = opening;
                opening = null;
                (session, var listing) = await Next(incoming, next, ending, ct);
                parts[i + 1] = StillThere(parts[i + 1], listing);
            }

            await ending;
        }
        catch (Exception e) when (e is not MailFetchException && !(e is OperationCanceledException && ct.IsCancellationRequested) && IsSessionFailure(e))
        {
            throw MailFetcher.Translate(e, server);
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }

            // Never leave a login or a QUIT running behind a failed poll; their own failures matter less than the one
            // in flight.
            if (opening is not null)
            {
                try
                {
                    await (await opening).Session.DisposeAsync();
                }
                catch (Exception)
                {
                }
            }

            if (ending is not null)
            {
                await ending.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Downloads, screens, hands off and marks for deletion one session's share of the poll.</summary>
    private async Task Transfer(PollRequest request, MessageScreen screen, IMailSession session, List<RemoteMessage> messages, PollReport report, CancellationToken ct)
    {
        // Download the next batch while this one is screened and handed off: the server and the
        // database work at the same time, and the session stays in order (fetch, then delete). The download
        // runs on the thread pool: started from the mailbox grain it would share the grain's one thread with
        // the screening, and the two would take turns instead of overlapping.
        using var batches = Chunks(messages, limits.BatchSize, limits.BatchBytes).GetEnumerator();
        Task<IReadOnlyList<FetchedMessage>>? FetchNext()
        {
            if (!batches.MoveNext())
            {
                return null;
            }

            var batch = batches.Current;
            return Task.Run(() => session.Fetch(batch, ct), ct);
        }

        var next = FetchNext();
        while (next is not null)
        {
            var fetched = await next;
            report.Fetched += fetched.Count;
            var processing = Process(request, screen, fetched, report, ct);
            next = FetchNext();
            List<RemoteMessage> done;
            try
            {
                done = await processing;
            }
            finally
            {
                if (next is not null)
                {
                    // Never leave a download running on a session that is about to be abandoned.
                    await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }

            if (next is not null)
            {
                var nextBatch = await next;
                await session.Delete(done, ct);
                next = Task.FromResult(nextBatch);
            }
            else
            {
                await session.Delete(done, ct);
            }
        }
    }

    private static async Task End(IMailSession session, CancellationToken ct)
    {
        try
        {
            await session.Commit(ct);
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    private async Task<(IMailSession Session, IReadOnlyList<RemoteMessage> Listing)> OpenListed(IncomingSettings incoming, CancellationToken ct)
    {
        var session = await fetcher.Open(incoming, ct);
        try
        {
            return (session, await session.List(ct));
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The session opened early for the next part. A server that takes one session per mailbox at a time refuses it
    /// ([IN-USE]); then it is asked again once the last one has ended.
    /// </summary>
    private async Task<(IMailSession Session, IReadOnlyList<RemoteMessage> Listing)> Next(
        IncomingSettings incoming, Task<(IMailSession Session, IReadOnlyList<RemoteMessage> Listing)> opening, Task ending, CancellationToken ct)
    {
        try
        {
            return await opening;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            await ending;
            return await OpenListed(incoming, ct);
        }
    }

    /// <summary>
    /// The first listing cut into one part per session (one part, maybe empty, at the least: the session still ends).
    /// The parts are fixed up front so messages arriving during the poll wait for the next one, and a poll always ends.
    /// </summary>
    private List<List<RemoteMessage>> SessionParts(List<RemoteMessage> wanted)
    {
        var parts = Chunks(wanted, limits.MessagesPerSession, limits.SessionBytes).ToList();
        return parts.Count > 0 ? parts : [wanted];
    }

    /// <summary>
    /// A part of the first listing as the new session numbers it, found by UID. A message another client took
    /// meanwhile is simply not there; ones the last session is still deleting are not in the part.
    /// </summary>
    private static List<RemoteMessage> StillThere(List<RemoteMessage> part, IReadOnlyList<RemoteMessage> listing)
    {
        var current = new Dictionary<string, RemoteMessage>(listing.Count, StringComparer.Ordinal);
        foreach (var message in listing)
        {
            current.TryAdd(message.Uid, message);
        }

        var found = new List<RemoteMessage>(part.Count);
        foreach (var message in part)
        {
            if (current.TryGetValue(message.Uid, out var now))
            {
                found.Add(now);
            }
        }

        return found;
    }

    /// <summary>Screens and hands off one batch; returns the messages that may now leave the server.</summary>
    private async Task<List<RemoteMessage>> Process(PollRequest request, MessageScreen screen, IReadOnlyList<FetchedMessage> fetched, PollReport report, CancellationToken ct)
    {
        // Hashing, parsing and screening are independent per message and most of a poll's work: on all cores, off
        // the grain's thread. What follows, in order, only records and hands off.
        var examined = await Task.Run(() => fetched.AsParallel().AsOrdered().Select(f => Examine(request, screen, f)).ToArray(), ct);
        var kept = new HashSet<MimeMessage>(ReferenceEqualityComparer.Instance);
        try
        {
            return await Process(request, fetched, examined, kept, report, ct);
        }
        finally
        {
            // MimeKit's messages and parts have finalizers: one left to the finalizer survives another collection with
            // its whole tree. The parses handed to the incident builder are disposed by whoever ends up with them.
            foreach (var e in examined)
            {
                if (e.Message is { } message && !kept.Contains(message))
                {
                    message.Dispose();
                }
            }
        }
    }

    private async Task<List<RemoteMessage>> Process(PollRequest request, IReadOnlyList<FetchedMessage> fetched, Examined[] examined, HashSet<MimeMessage> kept, PollReport report, CancellationToken ct)
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
            if (known.Contains(key))
            {
                report.Duplicates++;
                done.Add(remote);
                continue;
            }

            if (message is null || verdict is null)
            {
                await quarantine.Hold(request.Tenant, request.Mailbox, key, remote.Uid, null, null, raw, problem);
                report.Quarantined++;
                done.Add(remote);
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
                    await Reject(request, key, remote, raw, message, from, verdict.Reason ?? "rejected", report);
                    done.Add(remote);
                    break;
                default:
                    if (inbound is not null)
                    {
                        accepted.Add((inbound, remote, message));
                    }
                    else
                    {
                        // A person's reply or an unsubscribe request: a person must read it, never a silent drop.
                        await Reject(request, key, remote, raw, message, from, NotABounce, report);
                        done.Add(remote);
                    }

                    break;
            }
        }

        await ledger.Record(request.Tenant, request.Mailbox, traced);

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

            await HandOff(request, accepted.Select(a => a.Message).ToList(), report);
            done.AddRange(accepted.Select(a => a.Remote));
        }

        return done;
    }

    /// <summary>One message's key, parse, screening verdict and, when it would be accepted, what intake is handed.</summary>
    private Examined Examine(PollRequest request, MessageScreen screen, FetchedMessage fetched)
    {
        var (remote, raw) = (fetched.Remote, fetched.Raw);
        var key = MessageKeys.For(remote.Uid, raw);
        if (!MessageParsing.TryParse(raw, out var message, out var problem))
        {
            return new Examined(key, null, problem, null, null, null);
        }

        var from = SenderOf(message);
        var verdict = screen.Screen(message, raw.LongLength);
        var inbound = verdict.Outcome == ScreenOutcome.Accept ? ToInbound(request, key, remote.Uid, message, from, raw) : null;
        return new Examined(key, message, problem, from, verdict, inbound);
    }

    private sealed record Examined(string Key, MimeMessage? Message, string Problem, string? From, ScreenVerdict? Verdict, InboundMessage? Inbound);

    /// <summary>
    /// Hands a batch off. When intake itself is unavailable (the silo is stopping, the database is down) the
    /// session ends with nothing deleted, to be retried; only a message that intake refuses on its own is
    /// quarantined, found by handing the batch off one message at a time.
    /// </summary>
    private async Task HandOff(PollRequest request, IReadOnlyList<InboundMessage> batch, PollReport report)
    {
        try
        {
            await request.HandOff(batch);
            report.Accepted += batch.Count;
            return;
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new MailFetchException(MailFetchFailure.Transient, $"intake unavailable, nothing deleted: {e.Message.Split('\n')[0]}", e);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Hand-off of a batch of {Count} for {Tenant}/{Mailbox} failed; retrying one by one", batch.Count, request.Tenant, request.Mailbox);
        }

        foreach (var m in batch)
        {
            try
            {
                await request.HandOff([m]);
                report.Accepted++;
            }
            catch (Exception e) when (IsUnavailable(e))
            {
                throw new MailFetchException(MailFetchFailure.Transient, $"intake unavailable, nothing deleted: {e.Message.Split('\n')[0]}", e);
            }
            catch (Exception e)
            {
                // This message, and only this one, cannot be handed off: keep it raw so it is not lost, and go on.
                await quarantine.Hold(request.Tenant, request.Mailbox, m.MessageKey, m.ServerUid, m.From, m.Subject, m.Raw, $"hand-off failed: {e.Message.Split('\n')[0]}");
                report.Quarantined++;
            }
        }
    }

    private static bool IsUnavailable(Exception e) =>
        e is OperationCanceledException or TimeoutException or System.Data.Common.DbException or Orleans.Runtime.SiloUnavailableException
            or Orleans.Runtime.OrleansMessageRejectionException or Orleans.Runtime.OrleansException
        || (e.InnerException is { } inner && IsUnavailable(inner));

    /// <summary>Quarantines a rejected message, or forwards it when the mailbox says where to; either way it may then leave the server.</summary>
    private async Task Reject(
        PollRequest request, string key, RemoteMessage remote, byte[] raw, MimeMessage message, string? from, string reason, PollReport report)
    {
        var settings = request.Settings;
        if (settings.RejectForwardAddresses.Count == 0 || settings.Outgoing is null)
        {
            await quarantine.Hold(request.Tenant, request.Mailbox, key, remote.Uid, from, message.Subject, raw, $"rejected: {reason}");
            report.Quarantined++;
            return;
        }

        // The forward goes through the outbox, committed with the trace row: once this returns the message may leave the
        // server, and the relay's speed or mood no longer matters to the poll.
        var entry = new TraceEntry(key, remote.Uid, message.MessageId, from, message.Subject, raw.LongLength, TraceVerdict.Rejected, Forwarded(reason, settings.RejectForwardAddresses), time.GetUtcNow());
        await forwarding.Queue(request.Tenant, request.Mailbox, settings.Outgoing, message, reason, settings.RejectForwardAddresses, entry);
        report.Rejected++;
    }

    private static string Forwarded(string reason, IReadOnlyList<string> to) => $"{reason}; forwarded to {string.Join(", ", to)} through the outbox";

    /// <summary>Consecutive runs of the messages, each at most <paramref name="count"/> messages and (past its first) <paramref name="bytes"/> bytes.</summary>
    private static IEnumerable<List<RemoteMessage>> Chunks(List<RemoteMessage> messages, int count, long bytes)
    {
        var chunk = new List<RemoteMessage>();
        long size = 0;
        foreach (var message in messages)
        {
            if (chunk.Count > 0 && (chunk.Count >= count || size + message.Size > bytes))
            {
                yield return chunk;
                chunk = [];
                size = 0;
            }

            chunk.Add(message);
            size += message.Size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>
    /// The message as intake receives it; for a Marketing mailbox with the classifier's findings, or null
    /// when it is not a bounce at all and must go to a person instead.
    /// </summary>
    private InboundMessage? ToInbound(PollRequest request, string key, string uid, MimeMessage message, string? from, byte[] raw)
    {
        var inbound = new InboundMessage(request.Tenant, request.Mailbox, request.Settings.Type, key, uid, message.MessageId, from, message.Subject, raw);
        if (request.Settings.Type != MailboxType.Marketing)
        {
            return inbound;
        }

        var bounce = classifier.Classify(message);
        return bounce.IsBounce ? inbound with { Bounces = Findings(bounce), Mailing = Mailing(bounce, message) } : null;
    }

    private static string? SenderOf(MimeMessage message) => message.From.Mailboxes.FirstOrDefault()?.Address ?? message.Sender?.Address;

    internal const string NotABounce = "not a bounce (a person's reply or request): a person should read it";

    private static IReadOnlyList<BounceFinding> Findings(BounceClassification bounce) => bounce.Recipients
        .Select(r => new BounceFinding(r.Recipient, BounceReasons.ToLabel(r.Reason), r.HardBounce, r.Status, r.ReplyCode, r.Diagnostic))
        .ToList();

    /// <summary>The original mailing: a VERP return address the bounce was sent to, else the original Message-ID.</summary>
    private static string? Mailing(BounceClassification bounce, MimeMessage message)
    {
        var verp = bounce.OriginalEnvelopeFrom ?? message.To.Mailboxes.Select(m => m.Address).FirstOrDefault(IsVerp);
        return verp is not null && IsVerp(verp) ? $"verp:{verp}" : bounce.OriginalMessageId is { } id ? $"message-id:{id}" : null;
    }

    // VERP encodes the recipient into the return path: bounces+someone=example.com@sender.example.
    private static bool IsVerp(string address) => address.IndexOf('@') is var at and > 0 && address.AsSpan(0, at).IndexOfAny('+', '=') >= 0;

    /// <summary>The circuit breaker's key: one server is a host and a port; two services on one host fail apart.</summary>
    private static string Server(IncomingSettings incoming) => $"{incoming.Host.ToLowerInvariant()}:{incoming.EffectivePort}";

    private static bool IsSessionFailure(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or TimeoutException or MailKit.ServiceNotConnectedException
            or MailKit.ProtocolException or MailKit.CommandException or OperationCanceledException;
}

using Microsoft.Extensions.Logging;
using MimeKit;
using Polly.CircuitBreaker;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Resources;

namespace Techmail.Polling;

/// <summary>
/// One poll of one mailbox: list, download in batches, recognise what was already handled, screen,
/// hand off, and only then delete. Every message leaves the server as an accepted, discarded, rejected
/// or quarantined record, or stays there.
/// </summary>
public sealed class MailboxPoller(
    MailFetcher fetcher,
    ImapConnectionPool kept,
    MessageExaminer examiner,
    BatchRecorder recorder,
    ResiliencePipelines pipelines,
    MessageLedger ledger,
    MemoryBudget budget,
    PollingLimits limits,
    PollGate gate,
    IAccountSessionLimit accounts,
    TimeProvider time,
    ILogger<MailboxPoller> logger)
{
    // When each mailbox's message keys were last pruned; the first poll after a start prunes.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Mailbox), DateTimeOffset> _lastPrune = new();

    public async Task<PollReport> Poll(PollRequest request, CancellationToken cancellationToken)
    {
        var incoming = request.Settings.Incoming ?? throw new InvalidOperationException("the mailbox has no incoming settings.");
        var report = new PollReport();
        var started = time.GetUtcNow();
        var screen = new MessageScreen(request.Settings.DiscardFilters, request.Settings.Attachments);
        // This mailbox's own breaker and retries; the server's breaker counts only what is the server's (see ResiliencePipelines).
        var account = MailAccount.Of(request.Tenant, incoming);
        // An IMAP mailbox polled more often than kept connections idle out keeps its connection for the next poll.
        var keep = incoming.Protocol == MailProtocol.Imap && kept.Keeps(request.Settings.PollInterval)
            ? ImapPoolKey.For(request.Tenant, request.Mailbox, incoming)
            : null;
        var poll = new PollRun(request, incoming, account, keep, pipelines.Server(account.Server), screen, report, time.GetUtcNow() + limits.PollBudget);
        // The poll's own span: the spans of the messages it screens link to it.
        using var span = MessageTrace.StartWork(MessageTrace.Poll, request.Tenant, request.Mailbox);
        try
        {
            await pipelines.For(account).ExecuteAsync(
                async ct =>
                {
                    // A retried attempt starts a fresh session; what the failed one handed off is recognised by key.
                    try
                    {
                        await RunSession(poll, ct);
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested && ServerPushbacks.Of(e) is { } why)
                    {
                        // Every attempt's pushback, retried or not, tells the host's limit it is asking too much.
                        gate.PushedBack(incoming.Host, why);
                        throw;
                    }
                },
                cancellationToken);
            if (report.Succeeded)
            {
                gate.Succeeded(incoming.Host, time.GetUtcNow() - started);
            }
        }
        catch (MailFetchException e)
        {
            report.Failure = e.Failure;
            report.Error = e.Message;
        }
        catch (ServerUnreachableException e)
        {
            report.Failure = MailFetchFailure.Transient;
            report.Error = e.Message;
        }
        catch (BrokenCircuitException e)
        {
            report.Failure = MailFetchFailure.Transient;
            report.Error = $"{account.Server} ({account.User}): circuit open after repeated failures of this mailbox; next try in {(e.RetryAfter ?? limits.CircuitBreakDuration).TotalSeconds:0}s";
        }

        report.Circuit = pipelines.State(account);
        if (span is not null)
        {
            span.SetTag("techmail.poll.fetched", report.Fetched);
            span.SetTag("techmail.poll.accepted", report.Accepted);
            if (report.Failure is { } failure)
            {
                span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, report.Error);
                span.SetTag("techmail.poll.failure", failure.ToString());
            }
        }

        return report;
    }

    /// <summary>What every session of one poll shares.</summary>
    private sealed record PollRun(
        PollRequest Request, IncomingSettings Incoming, MailAccount Account, ImapPoolKey? Keep, ServerBreaker ServerBreaker, MessageScreen Screen, PollReport Report, DateTimeOffset Deadline)
    {
        /// <summary>Set once the poll's budget ran out: it takes no new batch and opens no new session.</summary>
        public bool OutOfTime { get; set; }

        public int BatchesStarted { get; set; }
    }

    /// <summary>
    /// Logs out the connection kept for the mailbox, if any: called when its settings change (a new password must not
    /// leave the old login open) and when it is removed or disabled.
    /// </summary>
    public void ForgetConnection(string tenant, string mailbox) => kept.Drop(tenant, mailbox);

    /// <summary>Runs a quarantined message through screening and hand-off again; it stays quarantined if it still fails.</summary>
    public Task<TraceEntry> Reprocess(PollRequest request, string key, string uid, byte[] raw) => recorder.Reprocess(request, key, uid, raw);

    private async Task RunSession(PollRun poll, CancellationToken ct)
    {
        var (request, incoming, report) = (poll.Request, poll.Incoming, poll.Report);
        var server = poll.Account.Server;
        IMailSession? session = null;
        Task<(IMailSession Session, IReadOnlyList<RemoteMessage> Listing)>? opening = null;
        Task? ending = null;
        try
        {
            session = await Open(poll, ct);
            var listed = await Step(server, "listing the mailbox", session.List, ct);
            report.Listed = listed.Count;
            await PruneDaily(request, listed);
            var wanted = new List<RemoteMessage>(listed.Count);
            foreach (var message in listed)
            {
                if (message.Size > limits.MaxDownloadBytes)
                {
                    LeaveOversized(message, report);
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
                opening = i + 1 < parts.Count ? Task.Run(() => OpenListed(poll, ct), ct) : null;
                await Transfer(poll, session, parts[i], ct);
                if (ending is not null)
                {
                    // Long over by now (a whole part was transferred meanwhile); a failure of it fails the poll.
                    await ending;
                }

                var ended = session;
                session = null;
                ending = Task.Run(() => End(server, ended, ct), ct);
                if (opening is null || poll.OutOfTime)
                {
                    break;
                }

                var next = opening;
                opening = null;
                (session, var listing) = await Next(poll, next, ending, ct);
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

    /// <summary>
    /// Downloads, screens, hands off and deletes one session's share of the poll, batch by batch. Each batch's
    /// download and deletion is a step with its own time limit; once the poll's budget is spent no new batch starts.
    /// </summary>
    private async Task Transfer(PollRun poll, IMailSession session, List<RemoteMessage> messages, CancellationToken ct)
    {
        var (request, screen, report) = (poll.Request, poll.Screen, poll.Report);
        var server = poll.Account.Server;
        // Download the next batch while this one is screened and handed off: the server and the
        // database work at the same time, and the session stays in order (fetch, then delete). The download
        // runs on the thread pool: started from the mailbox grain it would share the grain's one thread with
        // the screening, and the two would take turns instead of overlapping.
        using var batches = Chunks(messages, limits.BatchSize, budget.BatchBytes(limits.BatchBytes)).GetEnumerator();
        Task<BudgetedDownload>? FetchNext()
        {
            if (!batches.MoveNext())
            {
                return null;
            }

            // Every poll takes one batch at least, so even one whose login alone outlasted the budget makes progress.
            if (poll.BatchesStarted++ > 0 && time.GetUtcNow() >= poll.Deadline)
            {
                poll.OutOfTime = true;
                report.Error ??= $"the poll stopped taking new mail after {Describe(limits.PollBudget)}; the rest waits for the next poll";
                return null;
            }

            var batch = batches.Current;
            // The wait for memory is not the server's time: the step's limit starts with the download.
            return Task.Run(
                () => BudgetedDownload.Fetch(budget, batch, () => Step(server, $"downloading {batch.Count} messages", c => session.Fetch(batch, c), ct), ct),
                ct);
        }

        var next = FetchNext();
        try
        {
            while (next is not null)
            {
                using var download = await next;
                var fetched = WithinLimit(download.Messages, report);
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
                    // This batch's memory goes before the next one is waited for, which may be waiting for its budget.
                    download.Dispose();
                    if (next is not null)
                    {
                        // Never leave a download running on a session that is about to be abandoned.
                        await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }
                }

                if (next is not null)
                {
                    var nextBatch = await next;
                    await Step(server, $"deleting {done.Count} messages", c => session.Delete(done, c), ct);
                    next = Task.FromResult(nextBatch);
                }
                else
                {
                    await Step(server, $"deleting {done.Count} messages", c => session.Delete(done, c), ct);
                }
            }
        }
        finally
        {
            // A batch downloaded ahead of a failure goes with it.
            if (next is { IsCompletedSuccessfully: true } ahead)
            {
                ahead.Result.Dispose();
            }
        }
    }

    /// <summary>The downloaded messages within the download limit; one found larger only as it came down stays on the server.</summary>
    private IReadOnlyList<FetchedMessage> WithinLimit(IReadOnlyList<FetchedMessage> fetched, PollReport report)
    {
        if (fetched.All(f => f.Remote.Size <= limits.MaxDownloadBytes))
        {
            return fetched;
        }

        var kept = new List<FetchedMessage>(fetched.Count);
        foreach (var f in fetched)
        {
            if (f.Remote.Size > limits.MaxDownloadBytes)
            {
                LeaveOversized(f.Remote, report);
            }
            else
            {
                kept.Add(f);
            }
        }

        return kept;
    }

    private void LeaveOversized(RemoteMessage message, PollReport report)
    {
        report.LeftOnServer++;
        var size = message.SizeKnown ? $"{message.Size:N0} bytes" : "of a size the server did not list";
        report.Error = $"message {message.Uid} is {size}, over the {limits.MaxDownloadBytes:N0}-byte download limit; left on the server";
    }

    private async Task End(string server, IMailSession session, CancellationToken ct)
    {
        try
        {
            await Step(server, "ending the session", async c =>
            {
                await session.Commit(c);
                return true;
            }, ct);
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    /// <summary>
    /// A new session of this poll, logged in within a step's time limit. The server's breaker hears whether the
    /// server could be reached at all: that, and only that, is the server's business.
    /// </summary>
    private async Task<IMailSession> Open(PollRun poll, CancellationToken ct)
    {
        if (!poll.ServerBreaker.TryEnter(out var retryAfter))
        {
            throw new ServerUnreachableException(poll.Account.Server, retryAfter);
        }

        // The account's share of the host comes first and is held as long as the session lives (LeasedSession).
        var lease = await accounts.Enter(poll.Account, ct);
        try
        {
            var session = await Step(poll.Account.Server, "connecting and logging in", c => fetcher.Open(poll.Incoming, MailboxKey.For(poll.Request.Tenant, poll.Request.Mailbox), poll.Keep, c), ct);
            poll.ServerBreaker.Reached();
            return new LeasedSession(session, lease);
        }
        catch (MailFetchException e) when (e.BeforeLogin)
        {
            lease.Dispose();
            poll.ServerBreaker.Unreachable(poll.Account.User);
            throw;
        }
        catch (MailFetchException)
        {
            // It answered, and then refused this account or failed it: the server itself is up.
            lease.Dispose();
            poll.ServerBreaker.Reached();
            throw;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private async Task<(IMailSession Session, IReadOnlyList<RemoteMessage> Listing)> OpenListed(PollRun poll, CancellationToken ct)
    {
        var session = await Open(poll, ct);
        try
        {
            return (session, await Step(poll.Account.Server, "listing the mailbox", session.List, ct));
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
        PollRun poll, Task<(IMailSession Session, IReadOnlyList<RemoteMessage> Listing)> opening, Task ending, CancellationToken ct)
    {
        try
        {
            return await opening;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            await ending;
            return await OpenListed(poll, ct);
        }
    }

    /// <summary>
    /// Runs one step of a session within <see cref="PollingLimits.StepTimeout"/>. A step over its time fails the poll
    /// as transient (MailKit drops the connection it cancelled); the steps finished before stay done.
    /// </summary>
    private async Task<T> Step<T>(string server, string what, Func<CancellationToken, Task<T>> step, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(limits.StepTimeout);
        try
        {
            return await step(limit.Token);
        }
        catch (Exception e) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new MailFetchException(MailFetchFailure.Transient, $"{server}: {what} took longer than {Describe(limits.StepTimeout)}; what the poll finished before stays done", e)
            {
                Pushback = ServerPushback.TimedOut,
            };
        }
    }

    private Task Step(string server, string what, Func<CancellationToken, Task> step, CancellationToken ct) =>
        Step(server, what, async c =>
        {
            await step(c);
            return true;
        }, ct);

    private static string Describe(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes" : $"{span.TotalSeconds:0.#} s";

    /// <summary>
    /// Once a day per mailbox, forgets message keys past the retention, but never those of mail still on the server
    /// (listed now): a mailbox whose deletions failed, or that was disabled before its QUIT, would otherwise meet its
    /// old mail again as new after the retention and make new incidents and acknowledgements of it.
    /// </summary>
    private async Task PruneDaily(PollRequest request, IReadOnlyList<RemoteMessage> listed)
    {
        var now = time.GetUtcNow();
        var mailbox = (request.Tenant, request.Mailbox);
        if (_lastPrune.TryGetValue(mailbox, out var last) && now - last < TimeSpan.FromDays(1))
        {
            return;
        }

        _lastPrune[mailbox] = now;
        try
        {
            await ledger.Prune(request.Tenant, request.Mailbox, now - limits.TraceRetention, listed.Select(m => m.Uid).ToHashSet(StringComparer.Ordinal));
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException)
        {
            // Only housekeeping: the poll goes on, and tomorrow's tries again.
            logger.LogWarning(e, "Pruning the message keys of {Tenant}/{Mailbox} failed", request.Tenant, request.Mailbox);
            _lastPrune.TryRemove(mailbox, out _);
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
        var examined = await Task.Run(() => fetched.AsParallel().AsOrdered().Select(f => examiner.Examine(request, screen, f)).ToArray(), ct);
        var kept = new HashSet<MimeMessage>(ReferenceEqualityComparer.Instance);
        try
        {
            return await recorder.Record(request, fetched, examined, kept, report);
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

    private static bool IsSessionFailure(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or TimeoutException or MailKit.ServiceNotConnectedException
            or MailKit.ProtocolException or MailKit.CommandException or OperationCanceledException;
}

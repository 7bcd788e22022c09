using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Logging;
using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>
/// Push mode: one IMAP connection per mailbox kept in IDLE on the INBOX (opened read-only, so it never competes
/// with the polls that take the mail), calling back as soon as the server announces new messages. The poll
/// schedule stays in place as a safety net, so a lost connection costs at most one interval.
/// </summary>
public sealed class ImapIdleWatcher : IAsyncDisposable
{
    /// <summary>RFC 2177 asks clients to re-issue IDLE at least every 29 minutes; servers and NATs often drop sooner.</summary>
    public static readonly TimeSpan IdleRefresh = TimeSpan.FromMinutes(9);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(5);

    private readonly MailFetcher _fetcher;
    private readonly IncomingSettings _incoming;
    private readonly Func<Task> _onNewMail;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _mailbox;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _arrived;
    private CancellationTokenSource? _idleDone;

    /// <param name="incoming">Settings with the password revealed.</param>
    public ImapIdleWatcher(MailFetcher fetcher, IncomingSettings incoming, string mailbox, Func<Task> onNewMail, TimeProvider time, ILogger logger)
    {
        (_fetcher, _incoming, _mailbox, _onNewMail, _time, _logger) = (fetcher, incoming, mailbox, onNewMail, time, logger);
        State = "starting";
    }

    /// <summary>The settings this watcher was started with, so a changed mailbox restarts it.</summary>
    public IncomingSettings Incoming => _incoming;

    /// <summary>What push is doing now, for the mailbox status: listening, reconnecting (and why), or unavailable.</summary>
    public string State { get; private set; }

    public void Start() => _loop = Task.Run(() => Run(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // A connection torn down by the stop itself.
        }

        _stop.Dispose();
    }

    private async Task Run(CancellationToken stopping)
    {
        var server = $"{_incoming.Host}:{_incoming.EffectivePort}";
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                State = failures == 0 ? "connecting" : State;
                using var client = await _fetcher.ConnectImap(_incoming, _mailbox, stopping);
                if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
                {
                    State = $"unavailable: {server} does not support IMAP IDLE; polling at the interval only";
                    _logger.LogWarning("Push for {Mailbox}: {State}", _mailbox, State);
                    await client.DisconnectAsync(true, stopping);
                    return;
                }

                var inbox = client.Inbox;
                await inbox.OpenAsync(FolderAccess.ReadOnly, stopping);
                inbox.CountChanged += (_, _) =>
                {
                    // MailKit announces EXISTS through this event (expunges, such as our own poll's, do not move it
                    // reliably); anything left in the INBOX is worth a poll, and an empty INBOX is not.
                    if (inbox.Count > 0)
                    {
                        Interlocked.Exchange(ref _arrived, 1);
                        _idleDone?.Cancel();
                    }
                };

                State = $"listening since {_time.GetUtcNow():u}";
                _logger.LogInformation("Push for {Mailbox}: listening on {Server}", _mailbox, server);
                if (inbox.Count > 0)
                {
                    // Mail that arrived while nobody listened.
                    await Notify();
                }

                while (!stopping.IsCancellationRequested)
                {
                    using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    done.CancelAfter(IdleRefresh);
                    _idleDone = done;
                    await client.IdleAsync(done.Token, stopping);
                    _idleDone = null;
                    // Only a whole IDLE round proves the connection healthy; a server that drops IDLE at once keeps backing off.
                    failures = 0;
                    if (Interlocked.Exchange(ref _arrived, 0) == 1)
                    {
                        await Notify();
                    }
                }

                await client.DisconnectAsync(true, CancellationToken.None);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                failures++;
                var failure = MailFetcher.Translate(e, server);
                var reason = failure.Message;
                if (failure.Failure == MailFetchFailure.Authentication)
                {
                    // Logging in again every few minutes with a refused password gets accounts locked; polls back off on their own.
                    State = $"stopped: {reason}; polling at the interval only until the settings change";
                    _logger.LogWarning("Push for {Mailbox}: {State}", _mailbox, State);
                    return;
                }

                var wait = TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks << Math.Min(failures - 1, 10)));
                State = $"reconnecting in {wait.TotalSeconds:0}s after: {reason}";
                _logger.LogWarning("Push for {Mailbox}: {State}", _mailbox, State);
                await Task.Delay(wait, _time, stopping);
            }
        }
    }

    private async Task Notify()
    {
        try
        {
            await _onNewMail();
        }
        catch (Exception e)
        {
            // The poll schedule still covers it; push only makes mail faster.
            _logger.LogWarning("Push for {Mailbox}: could not start a poll ({Error})", _mailbox, e.Message);
        }
    }
}

using Microsoft.Extensions.Logging;
using Techmail.Bounces;
using Techmail.Incidents;
using Techmail.Observability;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Tenants;

namespace Techmail.Mailboxes;

public sealed class MailboxGrain(
    [PersistentState("mailbox", StorageNames.Grains)] IPersistentState<MailboxState> state,
    MailboxSecrets secrets,
    MailboxPoller poller,
    Outgoing.SendQueue sending,
    PollGate gate,
    MessageLedger ledger,
    QuarantineStore quarantine,
    ReprocessOutcomes outcomes,
    PollStatistics statistics,
    MailFetcher fetcher,
    ConnectionTester connectionTester,
    PushMailboxStore pushMailboxes,
    Certificates.TenantServerTrust serverTrust,
    Audit.AuditLog audit,
    Webhooks.WebhookEvents webhooks,
    IGrainFactory grains,
    TimeProvider time,
    ILogger<MailboxGrain> logger) : Grain, IMailboxGrain, IRemindable
{
    internal const string PollReminder = "poll";

    // How long a removal waits for the poll it stops; a poll still running after that writes nothing back.
    private static readonly TimeSpan PollStopWait = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly MailboxStateWriter _writer = new(state);
    // Cancels the running poll alone (a removal), where _stopping ends every poll of the activation.
    private CancellationTokenSource? _pollCancel;
    private bool _removing;
    private PollTickTracker _ticks = new();
    private bool _deactivating;
    private ImapIdleWatcher? _push;
    // A poll asked for while one runs: none, for new mail (push; waits out a backoff) or by an admin (always runs).
    private const int NoPollAsked = 0, PushAsked = 1, AdminAsked = 2;
    private int _pollAgain;
    private Task? _poll;

    private string Tenant => MailboxKey.Parse(this.GetPrimaryKeyString()).Tenant;
    private string Name => MailboxKey.Parse(this.GetPrimaryKeyString()).Mailbox;
    private bool Exists => state.State.Settings is not null;

    public Task<MailboxView> Create(MailboxSettings settings)
    {
        if (Exists)
        {
            throw new MailboxException(MailboxErrorKind.AlreadyExists, $"mailbox '{Name}' already exists in tenant '{Tenant}'.");
        }

        return Save(settings);
    }

    public Task<MailboxView> Update(MailboxSettings settings, long? expectedVersion = null)
    {
        EnsureExists();
        CheckVersion(expectedVersion);
        return Save(settings);
    }

    public Task<MailboxView> Upsert(MailboxSettings settings) => Save(settings);

    public Task<MailboxView?> Get() => Task.FromResult(Exists ? View() : null);

    public Task<MailboxView> SetEnabled(bool enabled, long? expectedVersion = null)
    {
        EnsureExists();
        CheckVersion(expectedVersion);
        var current = state.State.Settings!;
        return current.Enabled == enabled
            ? Task.FromResult(View())
            : Save(current with { Enabled = enabled }, alreadySealed: true, enabled ? Audit.AuditActions.MailboxEnable : Audit.AuditActions.MailboxDisable);
    }

    public async Task<bool> Remove(long? expectedVersion = null)
    {
        if (!Exists)
        {
            return false;
        }

        CheckVersion(expectedVersion);

        var removed = state.State.Settings;
        // A removed mailbox takes no more mail: the running poll is stopped. What it already handed to intake stays
        // recorded (see IncidentBuilderGrain for what becomes of it); what it had not is left on the server.
        _removing = true;
        try
        {
            await StopPoll();
            await SyncReminder(polls: false, TimeSpan.Zero, force: true);
            await StopPush();
            if (IsPush(state.State.Settings))
            {
                await pushMailboxes.Set(Tenant, Name, push: false);
            }

            await GrainFactory.GetGrain<ITenantGrain>(Tenant).Unregister(Name);
            // A mailbox made later under the same name must not inherit the consent given for this one.
            await GrainFactory.GetGrain<Connections.IMailboxGrantGrain>(this.GetPrimaryKeyString()).Forget();
            await _writer.Clear();
            poller.ForgetConnection(Tenant, Name);
        }
        finally
        {
            _removing = false;
        }

        await audit.Record(Tenant, Audit.AuditActions.MailboxRemove, Name, removed, null);
        logger.LogInformation("Mailbox {Tenant}/{Mailbox} removed", Tenant, Name);
        DeactivateOnIdle();
        return true;
    }

    public async Task<MailboxStatus> GetStatus()
    {
        EnsureExists();
        var status = state.State.Status with { Push = _push?.State };
        if (state.State.Settings?.DelegatedLogin is not { } login)
        {
            return status;
        }

        // The grant is shown beside the account the mailbox logs in as, so a consent by someone else stands out.
        var grant = await GrainFactory.GetGrain<Connections.IMailboxGrantGrain>(this.GetPrimaryKeyString()).GetStatus();
        return status with { Grant = grant is null ? null : grant with { MailboxAccount = login.Account } };
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        WakeOutbox();
        return SyncPush();
    }

    public Task MailArrived()
    {
        if (state.State.Settings is not { Polls: true } || _deactivating || BackingOff)
        {
            return Task.CompletedTask;
        }

        if (!StartPoll(due: null))
        {
            // Mail that arrived during a poll may have come after its listing: poll again once it ends.
            Interlocked.CompareExchange(ref _pollAgain, PushAsked, NoPollAsked);
        }

        return Task.CompletedTask;
    }

    public Task<MailboxSettings?> Export(bool includeSecrets)
    {
        if (!Exists)
        {
            return Task.FromResult<MailboxSettings?>(null);
        }

        var stored = state.State.Settings!;
        return Task.FromResult<MailboxSettings?>(includeSecrets ? secrets.Reveal(stored) : MailboxSecrets.Mask(stored));
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != PollReminder)
        {
            return Task.CompletedTask;
        }

        if (state.State.Settings is not { Polls: true } settings)
        {
            // A reminder that outlived its reason (e.g. a crash between disable and unregister): drop it.
            return DropReminder();
        }

        var now = time.GetUtcNow();
        var tick = _ticks.Observe(new DateTimeOffset(status.FirstTickTime, TimeSpan.Zero), status.Period, now);
        statistics.Ticked(tick);
        if (tick.Doubled)
        {
            logger.LogWarning("Poll tick of {Tenant}/{Mailbox} due at {Due} arrived twice; ignored", Tenant, Name, tick.Scheduled);
            return Task.CompletedTask;
        }

        state.State.Status = state.State.Status with { NextPoll = tick.Scheduled + settings.PollInterval };
        if (BackingOff)
        {
            // Failing repeatedly: do not hammer a dead server or lock an account by logging in every interval.
            logger.LogDebug("Poll of {Tenant}/{Mailbox} skipped: backing off until {Until}", Tenant, Name, state.State.Status.BackoffUntil);
            statistics.Skipped(PollSkip.Backoff);
            TechmailMetrics.PollSkipped(PollSkip.Backoff);
            return Task.CompletedTask;
        }

        if (!StartPoll(tick.Scheduled))
        {
            statistics.Skipped(PollSkip.Busy);
            TechmailMetrics.PollSkipped(PollSkip.Busy);
        }

        return Task.CompletedTask;
    }

    public Task<MailboxStatus> PollNow()
    {
        EnsureExists();
        if (state.State.Settings!.Incoming is null)
        {
            throw new MailboxException(MailboxErrorKind.Invalid, $"mailbox '{Name}' has no incoming settings to poll.");
        }

        if (!state.State.Settings.Enabled)
        {
            throw new MailboxException(MailboxErrorKind.Invalid, $"mailbox '{Name}' is disabled; enable it to poll.");
        }

        // The status from before the poll: the caller waits for LastPollStarted to move past it.
        var before = state.State.Status;
        if (!StartPoll(due: null))
        {
            // The running poll may have listed the server before what the admin is waiting for arrived.
            Interlocked.Exchange(ref _pollAgain, AdminAsked);
        }

        return Task.FromResult(before);
    }

    public Task<Outgoing.SendTicket> Send(Outgoing.OutgoingMail mail, string? requestId)
    {
        EnsureExists();
        var stored = state.State.Settings!;
        if (!stored.Enabled)
        {
            throw new MailboxException(MailboxErrorKind.CannotSend, $"mailbox '{Name}' is disabled; nothing is sent through it until it is enabled.");
        }

        if (stored.Outgoing is null)
        {
            throw new MailboxException(MailboxErrorKind.CannotSend, $"mailbox '{Name}' has no outgoing settings (envelope from address and SMTP relay).");
        }

        var errors = Outgoing.OutgoingMessageBuilder.Validate(mail).ToList();
        if (requestId is not null && !Outgoing.SendQueue.IsValidRequestId(requestId))
        {
            errors.Add(new ValidationError("requestId", $"is 1-{Outgoing.SendQueue.MaxRequestIdLength} letters, digits, '.', '_' or '-'."));
        }

        if (errors.Count > 0)
        {
            throw MailboxException.Invalid(errors);
        }

        // Only the mailbox's addresses go into the message; the relay and its password are the outbox's business.
        return sending.Queue(Tenant, Name, stored.Outgoing, mail, requestId ?? Guid.NewGuid().ToString("N"));
    }

    public async Task<Paging.ListPage<TraceEntry>> GetTrace(int take, Paging.ListPosition? after = null)
    {
        EnsureExists();
        return await ledger.Newest(Tenant, Name, Math.Clamp(take, 1, MessageLedger.MaxTake), after);
    }

    public async Task<ReprocessOutcome> Reprocess(string quarantineId)
    {
        EnsureExists();
        var held = await quarantine.Get(Tenant, quarantineId)
            ?? throw new MailboxException(MailboxErrorKind.NotFound, $"quarantined message '{quarantineId}' does not exist.");
        if (held.Message.Mailbox != Name)
        {
            throw new MailboxException(MailboxErrorKind.Invalid, $"quarantined message '{quarantineId}' belongs to mailbox '{held.Message.Mailbox}'.");
        }

        switch (held.Message.State)
        {
            case QuarantineState.Reprocessed:
                // Asked again (a retry after a timeout, a second admin): nothing runs twice; the first run's outcome answers.
                return await outcomes.Of(Tenant, held.Message);
            case QuarantineState.Dropped:
                throw new MailboxException(MailboxErrorKind.Invalid, $"quarantined message '{quarantineId}' was dropped.");
        }

        // Every step below is keyed by the message (intake by its key, the forward by its key in the outbox, the trace
        // row by its key), so a run cut short before the state is set can simply run again.
        var raw = await quarantine.GetRaw(Tenant, quarantineId) ?? [];
        var settings = await Revealed(state.State.Settings!);
        var entry = await poller.Reprocess(Request(settings), held.Message.MessageKey, held.ServerUid, raw);
        if (entry.Verdict == TraceVerdict.Quarantined)
        {
            return ReprocessOutcomes.StillHeld(quarantineId, entry);
        }

        await quarantine.SetState(Tenant, quarantineId, QuarantineState.Reprocessed);
        await audit.Record(
            Tenant, Audit.AuditActions.QuarantineReprocess, quarantineId,
            new { mailbox = Name, state = held.Message.State }, new { mailbox = Name, state = QuarantineState.Reprocessed });
        return await outcomes.Of(Tenant, held.Message with { State = QuarantineState.Reprocessed });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // No poll may start from here on: one running after deactivation could meet the next activation's.
        _deactivating = true;
        Interlocked.Exchange(ref _pollAgain, NoPollAsked);
        await StopPush();
        while (_poll is { IsCompleted: false } poll)
        {
            // Let the poll finish (a silo stopping gracefully waits for it); if time runs out, abandon it:
            // nothing it had not handed off is deleted, and the next owner re-fetches and recognises the rest.
            await using var _ = cancellationToken.Register(_stopping.Cancel);
            try
            {
                await poll;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <param name="due">When a scheduled poll was due, to measure its lateness; null for an on-demand poll.</param>
    /// <returns>False when the previous poll is still running (this one is then not started).</returns>
    private bool StartPoll(DateTimeOffset? due)
    {
        if (_poll is { IsCompleted: false } || _deactivating || _removing)
        {
            return false;
        }

        _pollCancel?.Dispose();
        _pollCancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _poll = RunPoll(due, _pollCancel.Token);
        // Back on the activation's scheduler once the poll ends: a poll asked for during it (push or an admin) runs now.
        _poll.ContinueWith(
            _ =>
            {
                var asked = Interlocked.Exchange(ref _pollAgain, NoPollAsked);
                if ((asked == AdminAsked || (asked == PushAsked && !BackingOff)) && state.State.Settings is { Polls: true } && !_deactivating && !_removing)
                {
                    StartPoll(due: null);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Current);
        return true;
    }

    private async Task RunPoll(DateTimeOffset? due, CancellationToken cancellationToken)
    {
        // The mailbox this poll is for: one removed meanwhile, or removed and added again, must not get its outcome.
        var incarnation = state.State.Created;
        var settings = await Revealed(state.State.Settings!);
        var host = settings.Incoming!.Host;
        var failuresBefore = state.State.Status.ConsecutiveFailures;
        // What the poll did, applied when it ends to the state as it is then: an admin may have changed it meanwhile.
        Func<MailboxState, bool> outcome;
        try
        {
            // A mailbox whose last poll failed waits in the failing mailboxes' pool, never in a healthy one's turn.
            var failing = state.State.Status.ConsecutiveFailures > 0;
            if (gate.WouldWait(host, failing))
            {
                state.State.Status = state.State.Status with { State = PollState.Waiting };
            }

            using var slot = await gate.Enter(host, Tenant, failing, cancellationToken);
            var started = time.GetUtcNow();
            if (due is { } scheduled)
            {
                statistics.Started(started - scheduled);
            }

            TechmailMetrics.PollStarted(due is not null, due is { } at ? started - at : TimeSpan.Zero);

            state.State.Status = state.State.Status with { State = PollState.Polling, LastPollStarted = started };
            var report = await poller.Poll(Request(settings), cancellationToken);
            slot.Dispose();
            statistics.Finished(report.Succeeded, report.Accepted);
            TechmailMetrics.PollFinished(report, settings.Type, time.GetUtcNow() - started);
            Log(report);
            outcome = current => Record(current, report, started);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.State.Status = state.State.Status with { State = PollState.Scheduled };
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Poll of {Tenant}/{Mailbox} failed unexpectedly", Tenant, Name);
            statistics.Finished(succeeded: false, messages: 0);
            TechmailMetrics.PollFailed("unexpected");
            var error = Faults.Faults.Summary(e);
            outcome = current =>
            {
                current.Status = current.Status with { State = PollState.Scheduled, ConsecutiveFailures = current.Status.ConsecutiveFailures + 1, LastError = error };
                return true;
            };
        }

        await _writer.Change(current =>
        {
            if (current.Settings is null || current.Created != incarnation)
            {
                // Removed while this poll ran. Its mail is recorded by intake already; writing its counts would bring
                // back a state for a mailbox that no longer exists.
                logger.LogInformation("Mailbox {Tenant}/{Mailbox} was removed during a poll; the poll's outcome is not stored", Tenant, Name);
                return false;
            }

            return outcome(current);
        });
        await RaiseFailing(failuresBefore);
    }

    /// <summary>The mailbox.failing webhook event, once per run of failed polls: when the run reaches its threshold.</summary>
    private async Task RaiseFailing(int failuresBefore)
    {
        var status = state.State.Status;
        if (state.State.Settings is null || failuresBefore >= Webhooks.WebhookPolicy.MailboxFailingAfter || status.ConsecutiveFailures < Webhooks.WebhookPolicy.MailboxFailingAfter)
        {
            return;
        }

        try
        {
            if (await GrantNeedsReconnecting())
            {
                // The grant raised the event itself, once, when it was found refused (reason needs-reconnecting): the
                // polls that fail because of it tell the receiver nothing new.
                return;
            }

            // A run of failures follows the last success (or the mailbox's creation): that is its key.
            await webhooks.Raise(Webhooks.WebhookPayloads.MailboxFailing(
                Tenant, Name, status.ConsecutiveFailures, status.LastError, status.LastSuccess, time.GetUtcNow(), status.LastSuccess ?? state.State.Created));
        }
        catch (Exception e)
        {
            // The poll's outcome stands; the status still shows the failures.
            logger.LogError(e, "Mailbox {Tenant}/{Mailbox} is failing, and its webhook event could not be queued", Tenant, Name);
        }
    }

    /// <summary>Whether the mailbox logs in with a person's consent (its grant is then the grant grain's).</summary>
    private bool Delegated => state.State.Settings?.DelegatedLogin is not null;

    private async Task<bool> GrantNeedsReconnecting() =>
        Delegated && await GrainFactory.GetGrain<Connections.IMailboxGrantGrain>(this.GetPrimaryKeyString()).GetStatus() is { NeedsReconnecting: true };

    /// <summary>Applies a poll's report to the state; returns whether anything worth a storage write changed.</summary>
    private bool Record(MailboxState current, PollReport report, DateTimeOffset started)
    {
        var now = time.GetUtcNow();
        var before = current.Status;
        var failures = report.Succeeded ? 0 : before.ConsecutiveFailures + 1;
        var backoff = FailureBackoff.Until(now, current.Settings!.PollInterval, failures, report.Failure);
        if (backoff is not null && before.BackoffUntil is null)
        {
            logger.LogWarning("Mailbox {Tenant}/{Mailbox} backs off until {Until} after {Failures} failed poll(s)", Tenant, Name, backoff, failures);
        }

        var after = before with
        {
            State = current.Settings.Polls ? PollState.Scheduled : PollState.Idle,
            LastPollDuration = now - started,
            Counts = report.AddTo(before.Counts),
            ConsecutiveFailures = failures,
            LastError = report.Error,
            Circuit = report.Circuit,
            LastSuccess = report.Succeeded ? now : before.LastSuccess,
            BackoffUntil = backoff,
        };
        current.Status = after;

        // Only a poll that changed something worth keeping writes state: an empty, healthy poll costs no storage write.
        return after.Counts != before.Counts || after.LastError != before.LastError || after.ConsecutiveFailures != before.ConsecutiveFailures
            || after.BackoffUntil != before.BackoffUntil || (before.LastSuccess is null && after.LastSuccess is not null);
    }

    private void Log(PollReport report)
    {
        if (report.Error is not null)
        {
            logger.LogWarning("Poll of {Tenant}/{Mailbox}: {Error}", Tenant, Name, report.Error);
        }

        if (report.Fetched > 0)
        {
            logger.LogInformation(
                "Poll of {Tenant}/{Mailbox}: {Fetched} fetched, {Accepted} accepted, {Discarded} discarded, {Rejected} rejected, {Quarantined} quarantined, {Duplicates} already handled",
                Tenant, Name, report.Fetched, report.Accepted, report.Discarded, report.Rejected, report.Quarantined, report.Duplicates);
        }
    }

    /// <summary>Stops the running poll and waits a while for it: what it handed off stays handed off, the rest stays on the server.</summary>
    private async Task StopPoll()
    {
        Interlocked.Exchange(ref _pollAgain, NoPollAsked);
        if (_poll is { IsCompleted: false } poll)
        {
            _pollCancel?.Cancel();
            await Task.WhenAny(poll, Task.Delay(PollStopWait));
        }
    }

    /// <summary>
    /// The poll runs partly off the grain's scheduler (Polly resumes on the thread pool), so its hand-off
    /// uses the silo's grain factory and a copy of the type, never the activation's own services or state.
    /// </summary>
    private PollRequest Request(MailboxSettings revealed)
    {
        var type = revealed.Type;
        return new(Tenant, Name, revealed, messages => type == MailboxType.Service
            ? grains.GetGrain<IIncidentIntakeGrain>(0).Accept(messages)
            : grains.GetGrain<IBounceIntakeGrain>(0).Accept(messages));
    }

    /// <param name="action">What the audit log calls the change; a create or an update when not given.</param>
    private async Task<MailboxView> Save(MailboxSettings typed, bool alreadySealed = false, string? action = null)
    {
        if (!MailboxKey.IsValidName(Name) || !MailboxKey.IsValidName(Tenant))
        {
            throw MailboxException.Invalid([new ValidationError("name", $"tenant and mailbox names are 1-{MailboxKey.MaxNameLength} letters, digits, '.', '_' or '-'.")]);
        }

        var normalized = Normalize(typed);
        var stored = state.State.Settings;
        var errors = MailboxSettingsValidator.Validate(normalized, stored);
        if (errors.Count > 0)
        {
            throw MailboxException.Invalid(errors);
        }

        if (stored is not null && stored.Type != normalized.Type)
        {
            // Changing type would reinterpret mail already in flight; remove and re-create instead.
            throw MailboxException.Invalid([new ValidationError("type", $"cannot change from {stored.Type} to {normalized.Type}; remove the mailbox and add it again.")]);
        }

        var sealedSettings = alreadySealed ? normalized : secrets.Seal(normalized, stored);

        // The tenant checks the account rule before anything is stored, so a refused change leaves no trace.
        await GrainFactory.GetGrain<ITenantGrain>(Tenant).Register(Summarize(sealedSettings));

        var reminder = await SyncReminder(sealedSettings.Polls, sealedSettings.PollInterval);
        if (IsPush(stored) != IsPush(sealedSettings))
        {
            // Before the state: a crash in between leaves at worst a row for a mailbox that turns out not to push.
            await pushMailboxes.Set(Tenant, Name, IsPush(sealedSettings));
        }

        var now = time.GetUtcNow();
        await _writer.Change(current =>
        {
            var pollState = current.Status.State;
            current.Created = current.Settings is null ? now : current.Created;
            current.Settings = sealedSettings;
            current.Updated = now;
            current.Version++;
            if (!sealedSettings.Polls)
            {
                current.Status = current.Status with { State = PollState.Idle, NextPoll = null };
            }

            reminder?.Invoke(current);
            if (PollRunning)
            {
                // The running poll ends with the state the settings call for; until then it is what it is.
                current.Status = current.Status with { State = pollState };
            }

            return true;
        });
        await audit.Record(Tenant, action ?? (stored is null ? Audit.AuditActions.MailboxCreate : Audit.AuditActions.MailboxUpdate), Name, stored, sealedSettings);
        // A connection kept from the last poll belongs to the old settings (password, host, TLS): it goes now, not when
        // it idles out. A poll still running offers its connection back under the old settings' key, which the next
        // poll's key no longer matches, so that one is dropped then.
        poller.ForgetConnection(Tenant, Name);
        await SyncPush();
        // Mail held for a disabled mailbox or refused settings goes as soon as they change, not at the next re-check.
        WakeOutbox();
        logger.LogInformation(
            "Mailbox {Tenant}/{Mailbox} saved: {Type}, {Direction}, enabled={Enabled}",
            Tenant, Name, sealedSettings.Type, sealedSettings.Direction, sealedSettings.Enabled);
        return View();
    }

    /// <summary>
    /// Registers, changes or drops the poll reminder to match; returns what the state must then remember of it, for the
    /// caller's write (null when nothing changed).
    /// </summary>
    /// <param name="force">Look the reminder up even when the state says none is registered.</param>
    private async Task<Action<MailboxState>?> SyncReminder(bool polls, TimeSpan period, bool force = false)
    {
        var registered = state.State.ReminderPeriod;
        if (polls && registered != period)
        {
            var due = PollSchedule.FirstDue(this.GetPrimaryKeyString(), period);
            await this.RegisterOrUpdateReminder(PollReminder, due, period);
            // A new reminder is a new schedule: comparing with the old one would report missed ticks that were not.
            _ticks = new PollTickTracker();
            var next = time.GetUtcNow() + due;
            return current =>
            {
                current.ReminderPeriod = period;
                current.Status = current.Status with { State = PollState.Scheduled, NextPoll = next };
            };
        }

        if (!polls && (registered is not null || force))
        {
            if (await this.GetReminder(PollReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            _ticks = new PollTickTracker();
            return current => current.ReminderPeriod = null;
        }

        return null;
    }

    /// <summary>Drops a poll reminder the mailbox no longer wants, and stores that it did (unless the mailbox is gone).</summary>
    private async Task DropReminder()
    {
        if (await SyncReminder(polls: false, TimeSpan.Zero, force: true) is { } forget)
        {
            await _writer.Change(current =>
            {
                forget(current);
                return current.Settings is not null;
            });
        }
    }

    /// <summary>Runs an IDLE watcher exactly while the mailbox polls in push mode, restarted when its settings change.</summary>
    private async Task SyncPush()
    {
        var wanted = state.State.Settings is { Polls: true, Incoming.Push: true } settings ? (await Revealed(settings)).Incoming : null;
        if (_push is not null && (wanted is null || !SameConnection(_push.Incoming, wanted)))
        {
            await StopPush();
            if (wanted is null)
            {
                // Push held the activation in memory; without it, normal collection applies again.
                DelayDeactivation(TimeSpan.Zero);
            }
        }

        if (wanted is null || _push is not null || _deactivating)
        {
            return;
        }

        var self = grains.GetGrain<IMailboxGrain>(this.GetPrimaryKeyString());
        _push = new ImapIdleWatcher(fetcher, wanted, this.GetPrimaryKeyString(), () => self.MailArrived(), time, logger);
        _push.Start();
        // The connection lives in this activation; idle collection would silently end push until the next tick.
        DelayDeactivation(TimeSpan.FromDays(30));
    }

    private static bool IsPush(MailboxSettings? settings) => settings is { Polls: true, Incoming.Push: true };

    /// <summary>Record equality compares lists by reference, and every save brings a new list of mechanisms.</summary>
    private static bool SameConnection(IncomingSettings a, IncomingSettings b) =>
        a with { AuthMechanisms = [] } == b with { AuthMechanisms = [] } && a.AuthMechanisms.SequenceEqual(b.AuthMechanisms);

    private bool PollRunning => _poll is { IsCompleted: false };

    private bool BackingOff => state.State.Status.BackoffUntil is { } until && time.GetUtcNow() < until;

    private async Task StopPush()
    {
        if (_push is { } push)
        {
            _push = null;
            await push.DisposeAsync();
        }
    }

    private MailboxSummary Summarize(MailboxSettings settings) => new(
        Name,
        settings.Type,
        settings.Enabled,
        settings.Direction,
        settings.Incoming?.AccountKey.Normalized,
        settings.Outgoing?.EnvelopeFrom,
        settings.PollInterval);

    private MailboxView View() => new(
        Tenant,
        Name,
        MailboxSecrets.Mask(state.State.Settings!),
        state.State.Status with { Push = _push?.State },
        state.State.Created,
        state.State.Updated,
        state.State.Version);

    /// <summary>
    /// Here, in the grain that is the settings' single writer, so two changes made on the same version cannot both pass:
    /// the second finds the version the first left.
    /// </summary>
    private void CheckVersion(long? expected) =>
        Versions.VersionConflictException.Check($"mailbox '{Name}'", expected, state.State.Version);

    private void EnsureExists()
    {
        if (!Exists)
        {
            throw new MailboxException(MailboxErrorKind.NotFound, $"mailbox '{Name}' does not exist in tenant '{Tenant}'.");
        }
    }

    /// <summary>Fills what JSON or an older client may leave out, so the rest of the engine never sees null lists.</summary>
    private static MailboxSettings Normalize(MailboxSettings s) => s with
    {
        Incoming = s.Incoming is { } i ? i with { Host = i.Host?.Trim() ?? "", Account = i.Account?.Trim() ?? "", AuthMechanisms = i.AuthMechanisms ?? [] } : null,
        Outgoing = s.Outgoing is { } o ? o with { EnvelopeFrom = o.EnvelopeFrom?.Trim() ?? "" } : null,
        DiscardFilters = s.DiscardFilters ?? [],
        Attachments = s.Attachments is { } a ? a with { AllowedTypes = a.AllowedTypes ?? [], BlockedTypes = a.BlockedTypes ?? [] } : AttachmentPolicy.None,
        RejectForwardAddresses = s.RejectForwardAddresses ?? [],
        PollInterval = s.PollInterval == TimeSpan.Zero ? MailboxSettings.DefaultPollInterval : s.PollInterval,
    };

    // ---- Outbox: the durable sending of queued mail (Outgoing/OutboxGrain) ----

    public async Task<ConnectionTestResult> TestConnection()
    {
        EnsureExists();
        return await connectionTester.Test(await Revealed(state.State.Settings!), this.GetPrimaryKeyString(), _stopping.Token);
    }

    public async Task<OutgoingSettings?> GetOutgoingForSending() =>
        state.State.Settings is { Enabled: true, Outgoing: not null } stored ? (await Revealed(stored)).Outgoing : null;

    /// <summary>The settings with secrets in the clear and the tenant's trusted CAs added to what the servers may present.</summary>
    private Task<MailboxSettings> Revealed(MailboxSettings stored) => serverTrust.Apply(Tenant, secrets.Reveal(stored));

    /// <summary>After a restart or failover nothing else would remind the outbox of mail queued before it.</summary>
    private void WakeOutbox()
    {
        if (state.State.Settings?.Outgoing is not null)
        {
            // One-way: the outbox asks this grain for its settings, which must not wait on this activation.
            _ = grains.GetGrain<Outgoing.IOutboxGrain>(this.GetPrimaryKeyString()).Wake();
        }
    }
}

using Microsoft.Extensions.Logging;
using Techmail.Engine;
using Techmail.Mailboxes;

namespace Techmail.Outgoing;

/// <summary>
/// One mailbox's outbox. The rows are the record (<see cref="OutboxStore"/>); the activation only decides when
/// to drain: on <see cref="Wake"/>, and by a timer at the next retry while mail is queued. The timer keeps the
/// activation alive while mail waits; the mailbox grain wakes its outbox on activation, and a reminder, kept
/// only while mail waits, brings the outbox back if its silo dies, so queued mail resumes after a restart or
/// a failover.
/// </summary>
public sealed class OutboxGrain(OutboxDrainer drainer, OutboxStore store, OutboxPolicy policy, TimeProvider time, ILogger<OutboxGrain> logger)
    : Grain, IOutboxGrain, IRemindable
{
    internal const string ResumeReminder = "resume";
    private static readonly TimeSpan ResumePeriod = TimeSpan.FromMinutes(5);
    private const int FailuresShown = 5;

    private DrainLoop? _loop;
    private DateTimeOffset? _pausedUntil;
    private string? _held;
    // The settings that were refused (login, certificate): different settings end the hold at once.
    private OutgoingSettings? _refusedSettings;
    private string? _lastError;

    private string Tenant => MailboxKey.Parse(this.GetPrimaryKeyString()).Tenant;
    private DrainLoop Loop => _loop ??= new DrainLoop(this, ResumeReminder, ResumePeriod, DrainOnce, Schedule, Failed);
    private string Mailbox => MailboxKey.Parse(this.GetPrimaryKeyString()).Mailbox;

    public Task Wake()
    {
        Loop.Start();
        return Task.CompletedTask;
    }

    public Task SignInRenewed()
    {
        if (_held is not null)
        {
            // Held for a refused login: the settings did not change, but what they log in with did.
            (_pausedUntil, _refusedSettings) = (null, null);
        }

        Loop.Start();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Loop.ReminderFired();
        return Task.CompletedTask;
    }

    public async Task<OutboxStatus> GetStatus()
    {
        var counts = await store.Counts(Tenant, Mailbox);
        var failures = await store.List(Tenant, Mailbox, OutboxState.Failed, FailuresShown);
        var now = time.GetUtcNow();
        var waiting = counts.Queued > 0;
        var next = Later(counts.NextAttempt, _pausedUntil);
        return new OutboxStatus(
            counts.Queued,
            counts.Sent,
            counts.Failed,
            counts.OldestQueued is { } oldest ? now - oldest : null,
            waiting ? next : null,
            waiting ? _held : null,
            waiting ? counts.LastError ?? _lastError : null,
            failures);
    }

    public Task<OutboxEntry?> Get(long id) => store.Get(Tenant, Mailbox, id);

    // A send cut short is not marked sent, so the next activation sends it again (at least once, never lost).
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Loop.Stop(cancellationToken);

    private TimeSpan Failed(Exception e)
    {
        // The database or the mailbox grain did not answer: nothing was lost, try again shortly.
        logger.LogError(e, "Outbox of {Tenant}/{Mailbox} could not drain", Tenant, Mailbox);
        _lastError = Faults.Faults.Summary(e);
        return policy.FirstRetry;
    }

    private async Task DrainOnce(CancellationToken cancellationToken)
    {
        var mailbox = GrainFactory.GetGrain<IMailboxGrain>(this.GetPrimaryKeyString());
        var outgoing = await mailbox.GetOutgoingForSending();
        if (outgoing is null)
        {
            // Not the mail's fault either: it stays queued, and the status says why.
            _held = await WhyNotSending(mailbox);
            _pausedUntil = null;
            _refusedSettings = null;
            return;
        }

        var now = time.GetUtcNow();
        var settingsChanged = _refusedSettings is not null && _refusedSettings != outgoing;
        if (_pausedUntil is { } until && now < until && !settingsChanged)
        {
            return;
        }

        (_held, _pausedUntil, _refusedSettings) = (null, null, null);
        var outcome = await drainer.Drain(Tenant, Mailbox, outgoing, cancellationToken);
        _pausedUntil = outcome.PausedUntil;
        _held = outcome.Held is { } reason ? $"{reason}; queued mail waits until the mailbox's outgoing settings change (or an hour passes)" : null;
        _refusedSettings = outcome.Held is null ? null : outgoing;
        _lastError = outcome.LastError ?? _lastError;
        if (outcome.Sent + outcome.Failed > 0)
        {
            logger.LogInformation("Outbox of {Tenant}/{Mailbox}: {Sent} sent, {Failed} failed", Tenant, Mailbox, outcome.Sent, outcome.Failed);
        }
    }

    /// <summary>Wakes the grain for the next due mail, or stops waking it when nothing is queued.</summary>
    private async Task Schedule()
    {
        var counts = await store.Counts(Tenant, Mailbox);
        if (counts.Queued == 0)
        {
            (_held, _pausedUntil, _refusedSettings, _lastError) = (null, null, null, null);
            await Loop.Wakes.Idle();
            return;
        }

        var now = time.GetUtcNow();
        var next = Later(counts.NextAttempt, _pausedUntil) ?? now;
        if (_held is not null)
        {
            // Held mail is re-checked often: asking the mailbox for its settings costs no network, and a fixed
            // setting should release the mail within a minute rather than at the next hourly login attempt.
            var recheck = now + policy.FirstRetry;
            next = _pausedUntil is { } until && until < recheck ? until : recheck;
        }

        await Loop.Wakes.Waiting(next - now);
    }

    private async Task<string> WhyNotSending(IMailboxGrain mailbox)
    {
        var view = await mailbox.Get();
        return view is null ? $"mailbox '{Mailbox}' does not exist; its queued mail is not sent"
            : !view.Settings.Enabled ? $"mailbox '{Mailbox}' is disabled; queued mail waits until it is enabled"
            : $"mailbox '{Mailbox}' has no outgoing settings; queued mail waits until they are added";
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;
}

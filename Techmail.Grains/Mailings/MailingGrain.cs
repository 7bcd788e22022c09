using Microsoft.Extensions.Logging;
using Techmail.Bounces;
using Techmail.Engine;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Security;

namespace Techmail.Mailings;

/// <summary>
/// One mailing. The recipient rows are the record (<see cref="MailingStore"/>); this activation only decides when to
/// hand the next slice to a batch grain, keeps up with what the outbox sent, and hears bounces. While the mailing has
/// work a timer ticks, and a reminder brings the mailing back on another silo if this one dies: nothing is kept here
/// that the rows do not hold, so a new activation goes on where the rows say.
/// </summary>
public sealed class MailingGrain(MailingStore store, MailingPolicy policy, TrackingKeys keys, TimeProvider time, ILogger<MailingGrain> logger)
    : Grain, IMailingGrain, IRemindable
{
    private const string ResumeReminder = "resume";
    private static readonly TimeSpan ResumePeriod = TimeSpan.FromMinutes(1);

    private DrainLoop? _loop;
    // What the last tick said: when to look again (null: nothing left to do, or the activation is stopping).
    private TimeSpan? _next;
    // Recipients the pace allows to be queued now.
    private readonly MailingPace _pace = new(time);

    private DrainLoop Loop => _loop ??= new DrainLoop(this, ResumeReminder, ResumePeriod, TickOnce, ScheduleNext, Failed);

    private string Tenant => MailingKey.Parse(this.GetPrimaryKeyString()).Tenant;

    private long Id => MailingKey.Parse(this.GetPrimaryKeyString()).Id;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A mailing that was sending when its last activation died goes on at once, not at the next reminder.
        if (await store.Get(Tenant, Id) is { State: MailingState.Sending })
        {
            Loop.Wakes.Arm(TimeSpan.Zero);
        }
    }

    // Stopped at once rather than when Orleans' deadline ends: a tick only queues slices, and the rows say where the
    // next activation goes on.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        Loop.Stop(new CancellationToken(canceled: true));

    public async Task<int> AddRecipients(long firstIndex, IReadOnlyList<MailingRecipient> recipients)
    {
        var mailing = await Existing();
        if (mailing.State != MailingState.Draft)
        {
            throw Invalid("recipients", $"mailing {Id} is {Name(mailing.State)}; recipients are added only before it starts.");
        }

        var errors = new List<ValidationError>();
        for (var i = 0; i < recipients.Count; i++)
        {
            var r = recipients[i];
            if (!EmailAddress.IsValid(r.Address) || !HeaderValue.IsOneLine(r.Address))
            {
                errors.Add(new ValidationError($"recipients[{firstIndex + i}]", $"'{r.Address}' is not an email address."));
            }
            else if (r.Values.Count != mailing.Fields.Count)
            {
                errors.Add(new ValidationError($"recipients[{firstIndex + i}]", $"has {r.Values.Count} merge value(s) where the mailing has {mailing.Fields.Count} field(s)."));
            }
        }

        if (firstIndex < 1)
        {
            errors.Add(new ValidationError("firstIndex", "lines are numbered from 1."));
        }

        return errors.Count > 0 ? throw MailboxException.Invalid(errors.Take(20).ToList()) : await store.AddRecipients(Id, firstIndex, recipients, time.GetUtcNow());
    }

    public async Task<MailingReport> Start()
    {
        var mailing = await Existing();
        if (mailing.State == MailingState.Draft)
        {
            if (mailing.Listed == 0)
            {
                throw Invalid("recipients", $"mailing {Id} has no recipients.");
            }

            await store.SetState(Tenant, Id, MailingState.Sending, time.GetUtcNow());
            await Going();
        }

        return await Report() ?? throw Gone();
    }

    public async Task<MailingReport> Pause()
    {
        var mailing = await Existing();
        if (mailing.State is MailingState.Sending)
        {
            await store.SetState(Tenant, Id, MailingState.Paused, time.GetUtcNow());
            await Stopped();
        }
        else if (mailing.State is not MailingState.Paused)
        {
            throw Invalid("state", $"mailing {Id} is {Name(mailing.State)}; only a sending mailing can be paused.");
        }

        return await Report() ?? throw Gone();
    }

    public async Task<MailingReport> Resume()
    {
        var mailing = await Existing();
        if (mailing.State is MailingState.Paused)
        {
            await store.SetState(Tenant, Id, MailingState.Sending, time.GetUtcNow());
            await Going();
        }
        else if (mailing.State is not MailingState.Sending)
        {
            throw Invalid("state", $"mailing {Id} is {Name(mailing.State)}; only a paused mailing can be resumed.");
        }

        return await Report() ?? throw Gone();
    }

    public async Task<MailingReport> Cancel()
    {
        var mailing = await Existing();
        if (mailing.State is not (MailingState.Cancelled or MailingState.Finished))
        {
            await store.SetState(Tenant, Id, MailingState.Cancelled, time.GetUtcNow());
            await store.CancelRest(Tenant, Id, time.GetUtcNow());
            await Stopped();
        }

        return await Report() ?? throw Gone();
    }

    public async Task<MailingReport?> Report()
    {
        if (await store.Get(Tenant, Id) is not { } mailing)
        {
            return null;
        }

        if (mailing.State != MailingState.Draft)
        {
            await CatchUp(mailing);
        }

        return await store.Report(mailing, time.GetUtcNow()) with { OneClickLeftOut = policy.OneClickLeftOut };
    }

    public async Task<IReadOnlyList<MailingRecipientState>> Recipients(long afterIndex, int take)
    {
        // Ids are numbered across tenants: the mailing must be this key's tenant's before any of its rows is read.
        await Existing();
        return await store.Recipients(Id, afterIndex, take);
    }

    public async Task RecordBounce(MailingBounce bounce)
    {
        ArgumentNullException.ThrowIfNull(bounce);
        if (await store.Get(Tenant, Id) is not { } mailing || await store.Recipient(Id, bounce.Index) is not { } recipient)
        {
            return;
        }

        var now = time.GetUtcNow();
        // A report about an earlier send than the latest one is history: the recipient has been tried again since.
        var current = bounce.Attempt is not { } attempt || attempt >= recipient.Attempts;
        var open = recipient.State is MailingStore.Queued or MailingStore.Sent;
        var (kind, change) = bounce switch
        {
            { Reason: "feedback", Detail: "opt-out" } => ("unsubscribe", OptedOut("unsubscribed")),
            { Reason: "feedback" } => ("complaint", OptedOut("complained")),
            { HardBounce: true } => ("hard", current && open ? Bounced(bounce.Reason)
                // Whichever send it is about, the address does not take mail: a waiting retry would go to it again.
                : recipient.State == MailingStore.Retry ? EndRetry("bounced", bounce.Reason, []) : RecipientChange.None),
            { HardBounce: false } => ("soft", current && open ? SoftBounced(mailing, recipient.Attempts, recipient.FirstSent ?? now, bounce.Reason, now) : RecipientChange.None),
            _ => ("note", RecipientChange.None),
        };
        var recorded = await store.Record(Id, bounce.Index, bounce.EventKey, kind, bounce.Reason, bounce.Detail, bounce.Attempt ?? recipient.Attempts, change, received: true, now);
        if (recorded && kind == "soft" && change != RecipientChange.None && mailing.State == MailingState.Finished)
        {
            // A late soft bounce gives a finished mailing a retry to make.
            await store.SetState(Tenant, Id, MailingState.Sending, now);
            await Going();
        }
        else if (recorded && mailing.State == MailingState.Sending)
        {
            Loop.Start();
        }
    }

    public async Task<bool> Unsubscribe(string tag)
    {
        var key = await keys.For(Tenant, TrackingKeys.Mailing);
        if (RecipientTag.Read(tag, Tenant, key) is not { } read || read.Mailing != Id
            || await store.Get(Tenant, Id) is not { } mailing || await store.Recipient(Id, read.Index) is not { } recipient)
        {
            return false;
        }

        var now = time.GetUtcNow();
        // The address is opted out where every mailing's suppression looks: the address grain, as a complaint does.
        var optOut = new BounceEvent(mailing.Mailbox, $"unsubscribe:{Id}:{read.Index}", "feedback", null, null, null, "unsubscribed (one-click link)", $"mailing:{Id}", now);
        await GrainFactory.GetGrain<IAddressGrain>(AddressKey.For(Tenant, recipient.Address)).RecordBounce(optOut);
        await store.Record(Id, read.Index, "unsubscribe", "unsubscribe", "one-click", null, read.Attempt, OptedOut("unsubscribed"), received: true, now);
        return true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Loop.ReminderFired();
        return Task.CompletedTask;
    }

    /// <summary>Sending from now on: the reminder is written before the first tick, so a silo dying right after still resumes it.</summary>
    private async Task Going()
    {
        _pace.Restart();
        await Loop.Wakes.Waiting(TimeSpan.Zero);
    }

    private Task Stopped() => Loop.Wakes.Idle();

    private async Task TickOnce(CancellationToken stopping)
    {
        _next = await Tick();
        if (stopping.IsCancellationRequested)
        {
            _next = null;
        }
    }

    private Task ScheduleNext()
    {
        if (_next is { } due)
        {
            Loop.Wakes.Arm(due);
        }

        return Task.CompletedTask;
    }

    private TimeSpan Failed(Exception e)
    {
        // The database or a batch grain did not answer: the rows are as they were, so the next tick goes on.
        logger.LogError(e, "Mailing {Tenant}/{Id} could not go on; trying again shortly", Tenant, Id);
        return TimeSpan.FromSeconds(5);
    }

    /// <returns>When to look again; null when the mailing has nothing left to do.</returns>
    private async Task<TimeSpan?> Tick()
    {
        if (await store.Get(Tenant, Id) is not { State: MailingState.Sending } mailing)
        {
            await Stopped();
            return null;
        }

        await CatchUp(mailing);
        var states = await store.States(Id);
        var inFlight = states.GetValueOrDefault(MailingStore.Queued);
        var room = (int)Math.Max(0, policy.InFlight - inFlight);
        var allowed = _pace.Allowance(mailing.RatePerMinute, room);
        var due = allowed > 0 ? await store.Due(Id, time.GetUtcNow(), allowed) : [];
        if (due.Count > 0)
        {
            var queued = await Task.WhenAll(due.Chunk(policy.SliceSize).Select((slice, i) =>
                GrainFactory.GetGrain<IMailingBatchGrain>($"{this.GetPrimaryKeyString()}/{(Slot(slice[0]) + i) % policy.Slots}").Queue(slice)));
            _pace.Spend(due.Count);
            logger.LogDebug("Mailing {Tenant}/{Id}: {Queued} of {Due} recipients queued", Tenant, Id, queued.Sum(), due.Count);
            // Unpaced, the next slices are composed while the outbox sends these (up to InFlight ahead): waiting a tick
            // between feeds left the relay's connections idle (the 20,000 benchmark at 0.46 of the bare loop).
            return mailing.RatePerMinute is null ? TimeSpan.Zero : policy.Tick;
        }

        if (states.GetValueOrDefault(MailingStore.Pending) > 0 || inFlight > 0)
        {
            return policy.Tick;
        }

        if (await store.NextRetry(Id) is { } retry)
        {
            // Only retries wait, hours apart: look at the due one, or every few minutes for bounces that add more.
            var wait = retry - time.GetUtcNow();
            return wait < policy.Tick ? policy.Tick : wait > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : wait;
        }

        await store.SetState(Tenant, Id, MailingState.Finished, time.GetUtcNow());
        await Stopped();
        logger.LogInformation("Mailing {Tenant}/{Id} finished", Tenant, Id);
        return null;
    }

    /// <summary>Brings recipients up to date with the outbox, and judges those the relay refused for good.</summary>
    private async Task CatchUp(MailingRow mailing)
    {
        var now = time.GetUtcNow();
        foreach (var refused in await store.Reconcile(Tenant, Id, now))
        {
            // The outbox gave up after a day of temporary refusals: a soft failure, retried like a soft bounce.
            var gaveUp = refused.Error.StartsWith("gave up after", StringComparison.Ordinal);
            var reading = ReasonResolver.Resolve(new RecipientDraft(refused.Address) { Action = "failed", Diagnostic = refused.Error });
            var reason = BounceReasons.ToLabel(reading.Reason);
            var key = $"relay:{MailingStore.OutboxKey(Id, refused.Index, refused.Attempt)}";
            if (gaveUp || reading.HardBounce == false)
            {
                var recipient = await store.Recipient(Id, refused.Index);
                var change = SoftBounced(mailing, refused.Attempt, recipient?.FirstSent ?? now, reason, now);
                await store.Record(Id, refused.Index, key, "soft", reason, refused.Error, refused.Attempt, change, received: false, now);
                continue;
            }

            // Refused at RCPT (or after the data) with a permanent reply: a hard bounce told by the relay itself, and the
            // address is flagged as any tied hard bounce flags it.
            var bounce = new BounceEvent(mailing.Mailbox, key, reason, true, reading.Status, reading.ReplyCode, refused.Error, $"mailing:{Id}", now);
            await GrainFactory.GetGrain<IAddressGrain>(AddressKey.For(Tenant, refused.Address)).RecordBounce(bounce);
            await store.Record(Id, refused.Index, key, "hard", reason, refused.Error, refused.Attempt, Bounced(reason), received: false, now);
        }
    }

    /// <summary>
    /// A complaint or unsubscribe: the recipient is flagged, and a retry it is waiting for ends as suppressed ("opted out",
    /// the reason the send-time check gives an opted-out address), so the mailing never mails it again.
    /// </summary>
    private static RecipientChange OptedOut(string flag) => EndRetry(MailingStore.Suppressed, "opted out", [$"{flag} = 1"]);

    /// <summary>
    /// Moves the recipient to <paramref name="state"/> only if it is waiting for a retry, decided by the row itself in the
    /// same statement: a retry being queued right now (the batch grain takes only 'retry' rows) cannot be overwritten,
    /// and a recipient in any other state keeps it.
    /// </summary>
    private static RecipientChange EndRetry(string state, string detail, IReadOnlyList<string> also) => new(
        string.Join(", ", also.Append(
            "state = CASE WHEN state = 'retry' THEN @ended ELSE state END, detail = CASE WHEN state = 'retry' THEN @why ELSE detail END, "
            + "next_attempt_utc = CASE WHEN state = 'retry' THEN NULL ELSE next_attempt_utc END")),
        [("@ended", state), ("@why", detail)]);

    private static RecipientChange Bounced(string reason) => new("state = 'bounced', detail = @reason, next_attempt_utc = NULL", [("@reason", reason)]);

    /// <summary>Retried after the policy's wait if that still falls within the retry window from the first send; else failed.</summary>
    private RecipientChange SoftBounced(MailingRow mailing, int attempts, DateTimeOffset firstSent, string reason, DateTimeOffset now)
    {
        var at = now + policy.SoftRetryDelay(Math.Max(1, attempts));
        return at <= firstSent + mailing.RetryWindow
            ? new RecipientChange("state = 'retry', detail = @reason, next_attempt_utc = @at", [("@reason", reason), ("@at", at.UtcDateTime)])
            : new RecipientChange("state = 'failed', detail = @reason, next_attempt_utc = NULL",
                [("@reason", $"soft bounces until the retry window of {mailing.RetryWindow.TotalDays:0.#} days closed (last: {reason})")]);
    }

    private async Task<MailingRow> Existing() => await store.Get(Tenant, Id) ?? throw Gone();

    private MailboxException Gone() => new(MailboxErrorKind.NotFound, $"mailing {Id} does not exist.");

    private static MailboxException Invalid(string field, string message) => MailboxException.Invalid([new ValidationError(field, message)]);

    private static string Name(MailingState state) => state.ToString().ToLowerInvariant();

    // Slices of one tick start at different slots, so a small mailing's single slice does not always land on slot 0.
    private int Slot(long firstIndex) => (int)(firstIndex / Math.Max(1, policy.SliceSize) % policy.Slots);
}

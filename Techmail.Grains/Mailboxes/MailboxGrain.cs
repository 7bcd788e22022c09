using Microsoft.Extensions.Logging;
using Techmail.Tenants;

namespace Techmail.Mailboxes;

public sealed class MailboxGrain(
    [PersistentState("mailbox", StorageNames.Grains)] IPersistentState<MailboxState> state,
    MailboxSecrets secrets,
    TimeProvider time,
    ILogger<MailboxGrain> logger) : Grain, IMailboxGrain, IRemindable
{
    internal const string PollReminder = "poll";

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

    public Task<MailboxView> Update(MailboxSettings settings)
    {
        EnsureExists();
        return Save(settings);
    }

    public Task<MailboxView> Upsert(MailboxSettings settings) => Save(settings);

    public Task<MailboxView?> Get() => Task.FromResult(Exists ? View() : null);

    public Task<MailboxView> SetEnabled(bool enabled)
    {
        EnsureExists();
        var current = state.State.Settings!;
        return current.Enabled == enabled ? Task.FromResult(View()) : Save(current with { Enabled = enabled }, alreadySealed: true);
    }

    public async Task<bool> Remove()
    {
        if (!Exists)
        {
            return false;
        }

        await SyncReminder(polls: false, TimeSpan.Zero, force: true);
        await GrainFactory.GetGrain<ITenantGrain>(Tenant).Unregister(Name);
        await state.ClearStateAsync();
        state.State = new MailboxState();
        logger.LogInformation("Mailbox {Tenant}/{Mailbox} removed", Tenant, Name);
        DeactivateOnIdle();
        return true;
    }

    public Task<MailboxStatus> GetStatus()
    {
        EnsureExists();
        return Task.FromResult(state.State.Status);
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
            return SyncReminder(polls: false, TimeSpan.Zero, force: true);
        }

        // Kept in memory only: writing state on every tick would cost a storage write per mailbox per interval.
        state.State.Status = state.State.Status with
        {
            State = PollState.Scheduled,
            NextPoll = status.CurrentTickTime + settings.PollInterval,
        };
        logger.LogDebug("Poll tick for {Tenant}/{Mailbox} at {Tick}", Tenant, Name, status.CurrentTickTime);
        return Task.CompletedTask;
    }

    private async Task<MailboxView> Save(MailboxSettings typed, bool alreadySealed = false)
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

        var now = time.GetUtcNow();
        state.State.Settings = sealedSettings;
        state.State.Created = stored is null ? now : state.State.Created;
        state.State.Updated = now;
        if (!sealedSettings.Polls)
        {
            state.State.Status = state.State.Status with { State = PollState.Idle, NextPoll = null };
        }

        await SyncReminder(sealedSettings.Polls, sealedSettings.PollInterval, writeState: false);
        await state.WriteStateAsync();
        logger.LogInformation(
            "Mailbox {Tenant}/{Mailbox} saved: {Type}, {Direction}, enabled={Enabled}",
            Tenant, Name, sealedSettings.Type, sealedSettings.Direction, sealedSettings.Enabled);
        return View();
    }

    /// <param name="force">Look the reminder up even when the state says none is registered.</param>
    private async Task SyncReminder(bool polls, TimeSpan period, bool writeState = true, bool force = false)
    {
        var registered = state.State.ReminderPeriod;
        if (polls && registered != period)
        {
            var due = PollSchedule.FirstDue(this.GetPrimaryKeyString(), period);
            await this.RegisterOrUpdateReminder(PollReminder, due, period);
            state.State.ReminderPeriod = period;
            state.State.Status = state.State.Status with { State = PollState.Scheduled, NextPoll = time.GetUtcNow() + due };
        }
        else if (!polls && (registered is not null || force))
        {
            if (await this.GetReminder(PollReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            state.State.ReminderPeriod = null;
        }
        else
        {
            return;
        }

        if (writeState && Exists)
        {
            await state.WriteStateAsync();
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
        state.State.Status,
        state.State.Created,
        state.State.Updated);

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
}

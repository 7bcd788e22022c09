using Techmail.Mailboxes;
using Techmail.Outgoing;

namespace Techmail.Mailings;

/// <summary>A tenant's mailings: creates drafts after checking them, and lists them. Key: the tenant name.</summary>
public sealed class MailingListGrain(MailingStore store, TimeProvider time) : Grain, IMailingListGrain
{
    private const int MaxNameLength = 200;

    private string Tenant => this.GetPrimaryKeyString();

    public async Task<long> Create(MailingDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(draft.Name) || draft.Name.Length > MaxNameLength || !HeaderValue.IsOneLine(draft.Name))
        {
            errors.Add(new ValidationError("name", $"must be one line of 1-{MaxNameLength} characters."));
        }

        if (string.IsNullOrWhiteSpace(draft.RequestId) || draft.RequestId.Length > SendQueue.MaxRequestIdLength || !SendQueue.IsValidRequestId(draft.RequestId))
        {
            errors.Add(new ValidationError("requestId", $"must be 1-{SendQueue.MaxRequestIdLength} letters, digits, '.', '_' or '-'."));
        }

        if (draft.RatePerMinute is <= 0)
        {
            errors.Add(new ValidationError("rate", "must be a positive number of recipients a minute."));
        }

        if (draft.RetryWindow is { } window && !MailboxSettings.IsSoftBounceRetryWindow(window))
        {
            errors.Add(new ValidationError("retryWindow", $"must be more than zero and at most {MailboxSettings.MaximumSoftBounceRetryWindow.TotalDays:0} days."));
        }

        errors.AddRange(MailingTemplate.Parse(draft.Template ?? [], draft.Fields ?? []).Errors);
        var (mailbox, mailboxErrors) = await SendingMailbox(draft.Mailbox);
        errors.AddRange(mailboxErrors);
        if (errors.Count > 0)
        {
            throw MailboxException.Invalid(errors);
        }

        // The window is fixed when the mailing is created: changing the mailbox's later does not move the goalposts of
        // recipients already bounced.
        return await store.Create(Tenant, draft, draft.RetryWindow ?? mailbox!.EffectiveSoftBounceRetryWindow, time.GetUtcNow());
    }

    public Task<Paging.ListPage<MailingSummary>> List(int take, Paging.ListPosition? after = null) => store.List(Tenant, take, after?.Id);

    /// <summary>A mailing goes out through an enabled Marketing mailbox with outgoing settings: its bounces must come back to one.</summary>
    /// <returns>The mailbox's settings, and why it cannot send a mailing (nothing when it can).</returns>
    private async Task<(MailboxSettings? Settings, IReadOnlyList<ValidationError> Errors)> SendingMailbox(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || !HeaderValue.IsOneLine(name))
        {
            return (null, [new ValidationError("mailbox", "is required.")]);
        }

        var view = await GrainFactory.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, name)).Get()
            ?? throw new MailboxException(MailboxErrorKind.NotFound, $"mailbox '{name}' does not exist.");
        return (view.Settings, view.Settings.Type != MailboxType.Marketing ? [new ValidationError("mailbox", $"'{name}' is a {view.Settings.Type} mailbox; mailings go out through Marketing mailboxes, which read their bounces.")]
            : view.Settings.Outgoing is null ? [new ValidationError("mailbox", $"'{name}' has no outgoing settings (envelope address and relay).")]
            // A disabled mailbox's outbox holds its mail: a new mailing would be accepted and then send nothing, with
            // no word why. Disabling one mid-mailing is a hold, which the outbox's status shows.
            : !view.Settings.Enabled ? [new ValidationError("mailbox", $"'{name}' is disabled, so its outbox sends nothing; enable it first.")]
            : []);
    }
}

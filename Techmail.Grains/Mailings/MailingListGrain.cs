using Techmail.Mailboxes;
using Techmail.Outgoing;

namespace Techmail.Mailings;

/// <summary>A tenant's mailings: creates drafts after checking them, and lists them. Key: the tenant name.</summary>
public sealed class MailingListGrain(MailingStore store, MailingPolicy policy, TimeProvider time) : Grain, IMailingListGrain
{
    private const int MaxNameLength = 200;
    private static readonly TimeSpan LongestWindow = TimeSpan.FromDays(30);

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

        if (draft.RetryWindow is { } window && (window <= TimeSpan.Zero || window > LongestWindow))
        {
            errors.Add(new ValidationError("retryWindow", $"must be more than zero and at most {LongestWindow.TotalDays:0} days."));
        }

        errors.AddRange(MailingTemplate.Parse(draft.Template ?? [], draft.Fields ?? []).Errors);
        errors.AddRange(await SendingMailbox(draft.Mailbox));
        if (errors.Count > 0)
        {
            throw MailboxException.Invalid(errors);
        }

        return await store.Create(Tenant, draft, draft.RetryWindow ?? policy.RetryWindow, time.GetUtcNow());
    }

    public Task<Paging.ListPage<MailingSummary>> List(int take, Paging.ListPosition? after = null) => store.List(Tenant, take, after?.Id);

    /// <summary>A mailing goes out through an enabled Marketing mailbox with outgoing settings: its bounces must come back to one.</summary>
    private async Task<IReadOnlyList<ValidationError>> SendingMailbox(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || !HeaderValue.IsOneLine(name))
        {
            return [new ValidationError("mailbox", "is required.")];
        }

        var view = await GrainFactory.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, name)).Get();
        return view is null ? throw new MailboxException(MailboxErrorKind.NotFound, $"mailbox '{name}' does not exist.")
            : view.Settings.Type != MailboxType.Marketing ? [new ValidationError("mailbox", $"'{name}' is a {view.Settings.Type} mailbox; mailings go out through Marketing mailboxes, which read their bounces.")]
            : view.Settings.Outgoing is null ? [new ValidationError("mailbox", $"'{name}' has no outgoing settings (envelope address and relay).")]
            // A disabled mailbox's outbox holds its mail: a new mailing would be accepted and then send nothing, with
            // no word why. Disabling one mid-mailing is a hold, which the outbox's status shows.
            : !view.Settings.Enabled ? [new ValidationError("mailbox", $"'{name}' is disabled, so its outbox sends nothing; enable it first.")]
            : [];
    }
}

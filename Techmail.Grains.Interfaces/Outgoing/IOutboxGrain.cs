namespace Techmail.Outgoing;

/// <summary>
/// A mailbox's durable outbox: sends what <c>OutboxStore.Enqueue</c> queued, in order, through the mailbox's
/// relay, retrying what may succeed later. Key: <see cref="Mailboxes.MailboxKey.For"/>.
/// </summary>
[Alias("Techmail.IOutboxGrain")]
public interface IOutboxGrain : IGrainWithStringKey
{
    /// <summary>Send what is due now (call after queueing); mail waiting for a retry keeps its time.</summary>
    [Alias("Wake"), Orleans.Concurrency.OneWay, Requires(Permission.Engine)]
    Task Wake();

    /// <summary>
    /// The mailbox's OAuth consent was given again: a hold for a refused login ends now, though the settings are the
    /// same, and the queued mail is sent.
    /// </summary>
    [Alias("SignInRenewed"), Orleans.Concurrency.OneWay, Requires(Permission.Engine)]
    Task SignInRenewed();

    [Alias("GetStatus"), Requires(Permission.ReadSettings)]
    Task<OutboxStatus> GetStatus();

    /// <summary>One of this outbox's mails (queued, sent or failed, with the relay's last words); null when it has no such id.</summary>
    [Alias("Get"), Requires(Permission.ReadSettings)]
    Task<OutboxEntry?> Get(long id);
}

/// <summary>A tenant's outboxes, for listing. Key: the tenant name.</summary>
[Alias("Techmail.IOutboxListGrain")]
public interface IOutboxListGrain : IGrainWithStringKey
{
    /// <summary>Newest first, after <paramref name="after"/> (the previous page's <see cref="Paging.ListPage{T}.Next"/>) when given.</summary>
    [Alias("List"), Requires(Permission.ReadSettings)]
    Task<Paging.ListPage<OutboxEntry>> List(string? mailbox, OutboxState? state, int take, Paging.ListPosition? after = null);
}

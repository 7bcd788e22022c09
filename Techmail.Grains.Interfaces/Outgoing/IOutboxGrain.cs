namespace Techmail.Outgoing;

/// <summary>
/// A mailbox's durable outbox: sends what <c>OutboxStore.Enqueue</c> queued, in order, through the mailbox's
/// relay, retrying what may succeed later. Key: <see cref="Mailboxes.MailboxKey.For"/>.
/// </summary>
[Alias("Techmail.IOutboxGrain")]
public interface IOutboxGrain : IGrainWithStringKey
{
    /// <summary>Send what is due now (call after queueing); mail waiting for a retry keeps its time.</summary>
    [Alias("Wake"), Orleans.Concurrency.OneWay]
    Task Wake();

    [Alias("GetStatus")]
    Task<OutboxStatus> GetStatus();

    /// <summary>One of this outbox's mails (queued, sent or failed, with the relay's last words); null when it has no such id.</summary>
    [Alias("Get")]
    Task<OutboxEntry?> Get(long id);
}

/// <summary>A tenant's outboxes, for listing. Key: the tenant name.</summary>
[Alias("Techmail.IOutboxListGrain")]
public interface IOutboxListGrain : IGrainWithStringKey
{
    /// <summary>Newest first.</summary>
    [Alias("List")]
    Task<IReadOnlyList<OutboxEntry>> List(string? mailbox, OutboxState? state, int take);
}

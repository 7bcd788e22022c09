namespace Techmail.Mailboxes;

/// <summary>One mailbox: its settings, status and poll schedule. Key: <see cref="MailboxKey.For"/>.</summary>
[Alias("Techmail.IMailboxGrain")]
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>Creates the mailbox; fails if it exists.</summary>
    [Alias("Create")]
    Task<MailboxView> Create(MailboxSettings settings);

    /// <summary>Replaces the settings; masked or null secrets keep their stored value.</summary>
    [Alias("Update")]
    Task<MailboxView> Update(MailboxSettings settings);

    /// <summary>Creates or replaces, for imports that may be re-run.</summary>
    [Alias("Upsert")]
    Task<MailboxView> Upsert(MailboxSettings settings);

    [Alias("Get")]
    Task<MailboxView?> Get();

    [Alias("SetEnabled")]
    Task<MailboxView> SetEnabled(bool enabled);

    [Alias("Remove")]
    Task<bool> Remove();

    [Alias("GetStatus")]
    Task<MailboxStatus> GetStatus();

    /// <summary>Starts a poll now, or right after the one running; returns without waiting for it.</summary>
    [Alias("PollNow")]
    Task<MailboxStatus> PollNow();

    /// <summary>
    /// The server said new mail arrived (IMAP IDLE in push mode): poll now, or right after the running poll.
    /// Ignored when the mailbox no longer polls.
    /// </summary>
    [Alias("MailArrived"), Orleans.Concurrency.OneWay]
    Task MailArrived();

    /// <summary>The newest trace rows: what happened to each message taken off the server.</summary>
    [Alias("GetTrace")]
    Task<IReadOnlyList<Polling.TraceEntry>> GetTrace(int take);

    /// <summary>Screens and hands off a quarantined message again.</summary>
    [Alias("Reprocess")]
    Task<Polling.TraceEntry> Reprocess(string quarantineId);

    /// <summary>
    /// Sends through the mailbox's relay with its envelope and branded addresses. Refused with
    /// <see cref="MailboxErrorKind.CannotSend"/> when the mailbox is disabled or has no outgoing settings.
    /// </summary>
    [Alias("Send")]
    Task<Outgoing.SendReceipt> Send(Outgoing.OutgoingMail mail);

    /// <summary>Settings with secrets in the clear, for an export that will be imported elsewhere. Never logged.</summary>
    [Alias("Export")]
    Task<MailboxSettings?> Export(bool includeSecrets);

    /// <summary>
    /// For the mailbox's outbox only: the outgoing settings with the relay password in the clear, or null when
    /// the mailbox is disabled or has no outgoing settings (its queued mail then waits). Never logged.
    /// </summary>
    [Alias("GetOutgoingForSending")]
    Task<OutgoingSettings?> GetOutgoingForSending();
}

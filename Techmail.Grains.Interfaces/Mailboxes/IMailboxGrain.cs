namespace Techmail.Mailboxes;

/// <summary>One mailbox: its settings, status and poll schedule. Key: <see cref="MailboxKey.For"/>.</summary>
[Alias("Techmail.IMailboxGrain")]
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>Creates the mailbox; fails if it exists.</summary>
    [Alias("Create"), Requires(Permission.ManageSettings)]
    Task<MailboxView> Create(MailboxSettings settings);

    /// <summary>Replaces the settings; masked or null secrets keep their stored value.</summary>
    /// <param name="expectedVersion">
    /// When given, the change is made only if the settings are still at this <see cref="MailboxView.Version"/>; else a
    /// <see cref="Versions.VersionConflictException"/> and nothing changes.
    /// </param>
    [Alias("Update"), Requires(Permission.ManageSettings)]
    Task<MailboxView> Update(MailboxSettings settings, long? expectedVersion = null);

    /// <summary>Creates or replaces, for imports that may be re-run.</summary>
    [Alias("Upsert"), Requires(Permission.ManageSettings)]
    Task<MailboxView> Upsert(MailboxSettings settings);

    [Alias("Get"), Requires(Permission.ReadSettings)]
    Task<MailboxView?> Get();

    /// <param name="expectedVersion">As for <see cref="Update"/>.</param>
    [Alias("SetEnabled"), Requires(Permission.ManageSettings)]
    Task<MailboxView> SetEnabled(bool enabled, long? expectedVersion = null);

    /// <param name="expectedVersion">As for <see cref="Update"/>.</param>
    [Alias("Remove"), Requires(Permission.ManageSettings)]
    Task<bool> Remove(long? expectedVersion = null);

    [Alias("GetStatus"), Requires(Permission.ReadSettings)]
    Task<MailboxStatus> GetStatus();

    /// <summary>Starts a poll now, or right after the one running; returns without waiting for it.</summary>
    [Alias("PollNow"), Requires(Permission.ManageSettings)]
    Task<MailboxStatus> PollNow();

    /// <summary>
    /// The server said new mail arrived (IMAP IDLE in push mode): poll now, or right after the running poll.
    /// Ignored when the mailbox no longer polls.
    /// </summary>
    [Alias("MailArrived"), Orleans.Concurrency.OneWay, Requires(Permission.Engine)]
    Task MailArrived();

    /// <summary>
    /// Logs in to the mailbox's incoming server and lists its mail, and logs in to its SMTP relay, with the stored
    /// settings and the same checks as a poll and a send; takes, deletes and sends nothing. For an admin who just
    /// changed the settings and wants to know now, not at the next poll.
    /// </summary>
    [Alias("TestConnection"), Requires(Permission.ManageSettings)]
    Task<ConnectionTestResult> TestConnection();

    /// <summary>
    /// The newest trace rows (what happened to each message taken off the server), or those older than
    /// <paramref name="after"/> (the previous page's <see cref="Paging.ListPage{T}.Next"/>).
    /// </summary>
    [Alias("GetTrace"), Requires(Permission.ReadSettings)]
    Task<Paging.ListPage<Polling.TraceEntry>> GetTrace(int take, Paging.ListPosition? after = null);

    /// <summary>
    /// Screens a quarantined message again and hands it on: to intake, to a discard, or to the outbox as a forward.
    /// Answers once that is recorded; what follows (the incident, the forward) goes on in the background and
    /// <see cref="Quarantine.ReprocessOutcome.Progress"/> says whether it has ended. Asked again for a message already
    /// reprocessed, it runs nothing twice and answers with how that reprocessing went.
    /// </summary>
    [Alias("Reprocess"), Requires(Permission.ManageSettings)]
    Task<Quarantine.ReprocessOutcome> Reprocess(string quarantineId);

    /// <summary>
    /// Queues a message in the mailbox's outbox, with its envelope and branded addresses, and answers at once; the
    /// outbox sends it. Refused with <see cref="MailboxErrorKind.CannotSend"/> when the mailbox is disabled or has no
    /// outgoing settings.
    /// </summary>
    /// <param name="requestId">
    /// Keys the send (letters, digits, '.', '_', '-'; at most 64): asked again with the same id, nothing new is queued and
    /// the first send's ticket comes back. Null: a new id, so every call is a send of its own.
    /// </param>
    [Alias("Send"), Requires(Permission.ManageSettings)]
    Task<Outgoing.SendTicket> Send(Outgoing.OutgoingMail mail, string? requestId);

    /// <summary>Settings with secrets in the clear, for an export that will be imported elsewhere. Never logged.</summary>
    [Alias("Export"), Requires(Permission.ReadSettings)]
    Task<MailboxSettings?> Export([RevealsSecrets] bool includeSecrets);

    /// <summary>
    /// For the mailbox's outbox only: the outgoing settings with the relay password in the clear, or null when
    /// the mailbox is disabled or has no outgoing settings (its queued mail then waits). Never logged.
    /// </summary>
    [Alias("GetOutgoingForSending"), Requires(Permission.Engine)]
    Task<OutgoingSettings?> GetOutgoingForSending();
}

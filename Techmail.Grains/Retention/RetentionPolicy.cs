namespace Techmail.Retention;

/// <summary>How long what is only kept for looking back stays: set from the silo's configuration (Techmail:*RetentionDays).</summary>
public sealed record RetentionPolicy
{
    /// <summary>
    /// The body of outbox mail once sent. The row (state, recipients, reference, dedupe key) stays: it is what the
    /// status counts and what keeps an acknowledgement from being queued twice; nothing reads a sent body again.
    /// </summary>
    public TimeSpan SentBodies { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The bytes of quarantined mail an admin dropped, counted from the drop; the row stays.</summary>
    public TimeSpan DroppedQuarantine { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The trace, waiting mail, quarantine and outbox rows of a removed mailbox, counted from its removal. Until then a
    /// mailbox removed by mistake and added again still knows the mail it already took.
    /// </summary>
    public TimeSpan RemovedMailboxes { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A webhook delivery once it ended (delivered, or given up on), counted from then. A pending one is never deleted.
    /// Its event id only guards against a change written twice within minutes (a batch redone after a crash), and the
    /// failures <c>webhook list</c> shows are the recent ones; a week keeps both with room while the queue stays bounded.
    /// </summary>
    public TimeSpan FinishedWebhookDeliveries { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often the sweep runs; what it leaves is at most this much past its retention.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);
}

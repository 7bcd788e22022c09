namespace Techmail.Retention;

/// <summary>What one retention sweep let go.</summary>
/// <param name="MailboxesForgotten">Removed mailboxes whose rows went, with <paramref name="MailboxRows"/> rows in all.</param>
public sealed record RetentionReport(int SentBodies, int DroppedBodies, int MailboxesForgotten, long MailboxRows)
{
    public bool Any => SentBodies + DroppedBodies + MailboxesForgotten > 0;
}

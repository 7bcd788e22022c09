namespace Techmail.Retention;

/// <summary>What one retention sweep let go.</summary>
/// <param name="MailboxesForgotten">Removed mailboxes whose rows went, with <paramref name="MailboxRows"/> rows in all.</param>
/// <param name="WebhookDeliveries">Ended webhook deliveries deleted.</param>
public sealed record RetentionReport(int SentBodies, int DroppedBodies, int MailboxesForgotten, long MailboxRows, int WebhookDeliveries = 0)
{
    public bool Any => SentBodies + DroppedBodies + MailboxesForgotten + WebhookDeliveries > 0;
}

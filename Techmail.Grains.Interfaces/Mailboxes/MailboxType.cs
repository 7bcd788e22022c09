namespace Techmail.Mailboxes;

/// <summary>What a mailbox's incoming mail becomes. Service and Marketing never share an account.</summary>
public enum MailboxType
{
    Service,
    Marketing,
}

namespace Techmail.Mailboxes;

[Flags]
public enum MailboxDirection
{
    None = 0,
    Incoming = 1,
    Outgoing = 2,
    Both = Incoming | Outgoing,
}

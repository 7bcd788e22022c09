namespace Techmail.Mailboxes;

public enum MailProtocol
{
    Pop3,
    Imap,
}

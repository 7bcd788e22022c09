namespace Techmail.Silo.WebConsole.Admin;

/// <summary>The administration pages' addresses, for links, redirects and the browser tests.</summary>
public static class AdminRoutes
{
    public const string Mailboxes = "/admin/mailboxes";
    public const string NewMailbox = "/admin/new-mailbox";
    public const string Quarantine = "/admin/quarantine";
    public const string Bounces = "/admin/bounces";
    public const string Rules = "/admin/rules";
    public const string Certificates = "/admin/certificates";
    public const string Tokens = "/admin/tokens";
    public const string Audit = "/admin/audit";
    public const string Health = "/admin/health";

    public static string Mailbox(string name) => $"{Mailboxes}/{Uri.EscapeDataString(name)}";

    public static string MailboxTrace(string name) => $"{Mailbox(name)}/trace";

    public static string Quarantined(string id) => $"{Quarantine}/{Uri.EscapeDataString(id)}";
}

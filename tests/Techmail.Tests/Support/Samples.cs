using Techmail.Mailboxes;

namespace Techmail.Tests.Support;

/// <summary>Settings that pass validation, for tests to vary one thing at a time.</summary>
public static class Samples
{
    public static IncomingSettings Pop3(string account = "support", string host = "mail.example.com", string? password = "s3cret-pop") =>
        new(MailProtocol.Pop3, host, null, TlsMode.SslOnConnect, account, password, []);

    public static OutgoingSettings Outgoing(string envelope = "bounces@example.com") =>
        new(envelope, "support@example.com", "reply@example.com", "Example Support", new SmtpRelaySettings("smtp.example.com", 587, TlsMode.StartTls, "relay", "s3cret-smtp"));

    public static MailboxSettings Service(string account = "support", bool enabled = true) =>
        MailboxSettings.Empty(MailboxType.Service) with { Enabled = enabled, Incoming = Pop3(account), Outgoing = Outgoing() };

    public static MailboxSettings Marketing(string account = "bounces", bool enabled = true) =>
        MailboxSettings.Empty(MailboxType.Marketing) with { Enabled = enabled, Incoming = Pop3(account) };
}

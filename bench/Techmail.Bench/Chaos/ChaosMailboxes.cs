using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Bench.Chaos;

/// <summary>One mailbox of the chaos load and the Dovecot user it reads.</summary>
public sealed record ChaosMailbox(string Name, string User, MailboxType Type, MailProtocol Protocol)
{
    public const string Tenant = "chaos";
    public const string RejectsAddress = "rejects@example.com";
    private const string Password = "chaos-pw";

    /// <summary>Service over POP3 and over IMAP, Marketing over IMAP; the IMAP ones push.</summary>
    public static IReadOnlyList<ChaosMailbox> For(string profile) =>
    [
        new($"svc-pop-1", $"{profile}-svc-pop-1", MailboxType.Service, MailProtocol.Pop3),
        new($"svc-pop-2", $"{profile}-svc-pop-2", MailboxType.Service, MailProtocol.Pop3),
        new($"svc-imap-1", $"{profile}-svc-imap-1", MailboxType.Service, MailProtocol.Imap),
        new($"svc-imap-2", $"{profile}-svc-imap-2", MailboxType.Service, MailProtocol.Imap),
        new($"mkt-imap-1", $"{profile}-mkt-imap-1", MailboxType.Marketing, MailProtocol.Imap),
    ];

    public IMailboxGrain Grain(IGrainFactory grains) => grains.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, Name));

    /// <summary>
    /// The settings an admin would give: a one-minute schedule, the relay (through the proxy that can refuse), rejected
    /// mail forwarded to a person, flagged spam discarded and executables refused on Service mailboxes.
    /// </summary>
    public MailboxSettings Settings(DovecotServer dovecot, int relayPort)
    {
        var port = Protocol == MailProtocol.Pop3 ? dovecot.Pop3Port : dovecot.ImapPort;
        var settings = MailboxSettings.Empty(Type) with
        {
            Enabled = true,
            PollInterval = MailboxSettings.MinimumPollInterval,
            Incoming = new IncomingSettings(Protocol, "127.0.0.1", port, TlsMode.None, User, Password, [], Push: Protocol == MailProtocol.Imap, AllowPlaintextPassword: true),
            Outgoing = new OutgoingSettings("bounces@example.com", "support@example.com", null, "Example Support", new SmtpRelaySettings("127.0.0.1", relayPort, TlsMode.None, null, null)),
            RejectForwardAddresses = [RejectsAddress],
        };
        return Type == MailboxType.Marketing ? settings : settings with
        {
            DiscardFilters = [new DiscardFilter("flagged-spam", FilterField.Header, FilterMatch.Equals, "YES", "X-Spam-Flag")],
            Attachments = AttachmentPolicy.None with { BlockedTypes = [".exe"] },
        };
    }

    public void AddUser(DovecotServer dovecot) => dovecot.AddUser(User, Password);
}

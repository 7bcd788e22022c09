using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>Everything one poll needs to know about its mailbox.</summary>
/// <param name="Settings">With secrets revealed: the poll logs in and may send.</param>
/// <param name="HandOff">Durably records accepted messages; a message is deleted only after it returns.</param>
public sealed record PollRequest(
    string Tenant,
    string Mailbox,
    MailboxSettings Settings,
    Func<IReadOnlyList<InboundMessage>, Task<IntakeReceipt>> HandOff);

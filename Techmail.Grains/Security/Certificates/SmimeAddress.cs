using MimeKit;
using Techmail.Mailboxes;

namespace Techmail.Certificates;

/// <summary>The address a mailbox signs as: the From customers see, whose certificate their clients check.</summary>
public static class SmimeAddress
{
    public static string Of(OutgoingSettings outgoing) =>
        MailboxAddress.TryParse(outgoing.FriendlyFrom ?? outgoing.EnvelopeFrom, out var address) ? address.Address.ToLowerInvariant() : outgoing.EnvelopeFrom.ToLowerInvariant();
}

namespace Techmail.Incidents.Parsing;

/// <summary>Which header the sender of a customer message (who speaks for the customer) was taken from.</summary>
/// <remarks>
/// Reply-To only says where answers go (see <see cref="CustomerMessage.ReplyTo"/>); it speaks only for a mail whose From
/// is empty and that names no Sender or Return-Path either (<see cref="ReplyTo"/>), and such a mail may not add to an
/// existing incident.
/// </remarks>
public enum SenderSource
{
    From,
    Sender,
    ReturnPath,

    /// <summary>The From names no address and nothing else does; the Reply-To stands in for it, unproven.</summary>
    ReplyTo,

    /// <summary>The From is a mailbox without a domain, as an MTA signs its own reports ("MAILER-DAEMON").</summary>
    UnqualifiedFrom,
}

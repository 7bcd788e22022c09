namespace Techmail.Incidents.Parsing;

/// <summary>Which header the sender of a customer message (who speaks for the customer) was taken from.</summary>
/// <remarks>
/// Reply-To is never one: it only says where answers go (see <see cref="CustomerMessage.ReplyTo"/>).
/// </remarks>
public enum SenderSource
{
    From,
    Sender,
    ReturnPath,
}

namespace Techmail.Incidents.Parsing;

/// <summary>Which header the sender of a customer message was taken from.</summary>
public enum SenderSource
{
    ReplyTo,
    From,
    Sender,
    ReturnPath,
}

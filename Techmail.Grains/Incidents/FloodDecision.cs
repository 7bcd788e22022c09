namespace Techmail.Incidents;

/// <summary>What <see cref="SenderFloodGate"/> decided for one message.</summary>
/// <param name="Admitted">True when the message may become an incident; false when it is held.</param>
/// <param name="MessagesInWindow">
/// Messages from the address within the window, this one included. Exact while admitted; once held it reads
/// <c>MaxMessages + 1</c>, because the gate remembers only as many messages as it needs to decide.
/// </param>
/// <param name="Window">The policy's window, for the operator's message ("24 messages within 12 hours").</param>
/// <param name="HeldInARow">Messages held one after the other, this one included; 0 when admitted.</param>
/// <param name="HeldUntil">
/// When held: the earliest time the next message would be admitted, if the address sends nothing before then.
/// </param>
public sealed record FloodDecision(bool Admitted, int MessagesInWindow, TimeSpan Window, int HeldInARow, DateTimeOffset? HeldUntil)
{
    public bool Held => !Admitted;
}

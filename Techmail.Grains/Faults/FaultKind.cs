namespace Techmail.Faults;

/// <summary>What a failure means for the mail being handled when it happened.</summary>
public enum FaultKind
{
    /// <summary>
    /// Something the engine depends on is down, busy or stopping (the database, the cluster, a mail server, a time
    /// limit): nothing is wrong with the mail. Keep everything as it is and try again later; never set mail aside.
    /// </summary>
    Outage,

    /// <summary>
    /// The mail itself made the work throw (bytes no reader copes with, a value the database refuses, an address
    /// nothing can be sent to): set this one message aside with the reason and go on with the rest.
    /// </summary>
    ThisMessage,
}

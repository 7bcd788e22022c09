namespace Techmail.Polling;

/// <summary>What becomes of a screened message.</summary>
public enum ScreenOutcome
{
    /// <summary>Handed on to intake.</summary>
    Accept,

    /// <summary>Matched a discard filter: recorded under the filter's name and deleted, never handed on.</summary>
    Discard,

    /// <summary>Broke the attachment policy: forwarded or quarantined, never handed on.</summary>
    Reject,
}

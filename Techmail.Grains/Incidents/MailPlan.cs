using Techmail.Contacts;
using Techmail.Intake;
using Techmail.Outgoing;
using Techmail.Polling;

namespace Techmail.Incidents;

/// <summary>What intake decided for one customer mail, before the incident tables are written.</summary>
/// <param name="MessageKey">The intake key of the mail.</param>
/// <param name="Contact">The sender as a contact, written with the plan (null when the mail was set aside).</param>
public abstract record MailPlan(string MessageKey, ContactView? Contact)
{
    /// <summary>Quarantined or held; already written, with the reason.</summary>
    public sealed record SetAside(string MessageKey, InboundOutcome Outcome, string Reason) : MailPlan(MessageKey, null);

    /// <summary>
    /// A second copy of a mail already turned into incident <paramref name="Reference"/> (the same Message-ID from the
    /// same sender to the same mailbox): only its trace says so.
    /// </summary>
    public sealed record Duplicate(string MessageKey, string Reference, TraceEntry Trace) : MailPlan(MessageKey, null);

    /// <summary>An entry for an existing incident, written through its grain.</summary>
    public sealed record Add(string MessageKey, ContactView Sender, string Reference, CustomerUpdate Update) : MailPlan(MessageKey, Sender);

    /// <summary>A new incident with its first entries and, when due, its acknowledgement.</summary>
    public sealed record Open(string MessageKey, ContactView Sender, IncidentSummary Incident, IReadOnlyList<NewEntry> Thread, QueuedMail? Acknowledgement)
        : MailPlan(MessageKey, Sender);
}

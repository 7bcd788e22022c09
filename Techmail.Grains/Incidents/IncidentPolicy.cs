namespace Techmail.Incidents;

/// <summary>What a reply to a solved incident does.</summary>
public enum SolvedReplies
{
    /// <summary>The reply is added and the incident opens again (status updated).</summary>
    Reopen,

    /// <summary>The reply opens a new incident that mentions the solved one.</summary>
    NewIncident,
}

/// <summary>How Service mail becomes incidents; set per installation in the "Techmail" configuration section.</summary>
public sealed record IncidentPolicy
{
    /// <summary>Only the incident's contact may add to it; anyone else's mail opens a new incident mentioning it.</summary>
    public bool SecureUpdate { get; init; } = true;

    public SolvedReplies SolvedReplies { get; init; } = SolvedReplies.Reopen;

    /// <summary>Unknown senders become contacts; when off, their mail is held in quarantine instead.</summary>
    public bool CreateContacts { get; init; } = true;

    public FloodPolicy Flood { get; init; } = FloodPolicy.Default;

    /// <summary>
    /// A mail whose Message-ID, sender and mailbox match a mail turned into an incident within this long before is a
    /// second copy (a customer writing to two addresses that land in one mailbox, a server delivering again): it is
    /// traced as a duplicate, with no second incident or acknowledgement. Zero turns the check off.
    /// </summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// References reserved per database round trip, per silo and tenant. Each reservation is a commit of its own, so a
    /// small block costs a busy intake a disk sync every few mails; a silo that stops skips what is left of its block.
    /// </summary>
    public int ReferenceBlockSize { get; init; } = 200;

    /// <summary>
    /// Acknowledgements and agent replies start with Techmail's "reply above this line" marker
    /// (<see cref="Replies.ReplyMarker"/>), so the reply text of the customer's answer is cut exactly there, whatever
    /// their mail program does with the quoted mail. Off by default: the line is one more thing in every mail.
    /// </summary>
    public bool ReplyMarker { get; init; }

    public string AcknowledgementSubject { get; init; } = "[Incident: {reference}] {subject}";

    public string AcknowledgementBody { get; init; } =
        """
        Hello {name},

        Thank you for contacting us. We have received your message and opened incident {reference}:

            {subject}

        To add to it, reply to this email. Please keep "[Incident: {reference}]" in the subject.
        """;
}

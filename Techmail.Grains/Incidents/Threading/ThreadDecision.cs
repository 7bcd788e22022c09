namespace Techmail.Incidents.Threading;

/// <summary>Whether a mail joins an existing incident or opens a new one, and why.</summary>
public abstract record ThreadDecision
{
    public sealed record Append(string Reference, ThreadEvidence Evidence) : ThreadDecision;

    /// <param name="Mentions">An incident the mail named but may not join, noted on the new incident.</param>
    /// <param name="Why">Why it may not join, for that note.</param>
    public sealed record Open(string? Mentions, string? Why) : ThreadDecision;

    /// <param name="dmarc">What a trusted receiving server found wrong with the From, if anything.</param>
    /// <param name="source">Where the sender was read from; a stand-in for an empty or unqualified From never joins.</param>
    public static ThreadDecision Decide(
        ThreadMatch? match,
        IncidentSummary? incident,
        string senderKey,
        Speaker.DmarcFailure? dmarc,
        IncidentPolicy policy,
        Parsing.SenderSource source = Parsing.SenderSource.From)
    {
        if (match is null || incident is null)
        {
            return new Open(null, null);
        }

        // Whatever secure update says: a Reply-To or a bare "MAILER-DAEMON" is not a From anyone could prove, and
        // reading them leniently must not open a way into another customer's incident.
        if (source is Parsing.SenderSource.ReplyTo or Parsing.SenderSource.UnqualifiedFrom)
        {
            return new Open(match.Reference, $"{senderKey} is only named by {(source == Parsing.SenderSource.ReplyTo ? "the Reply-To of an empty From" : "a From without a domain")}, not proven to have sent it");
        }

        // Before secure update, and whatever it is set to: secure update compares a From that DMARC just disproved.
        if (dmarc is not null)
        {
            return new Open(match.Reference, $"{senderKey} is not proven to have sent it ({dmarc.Describe()})");
        }

        if (policy.SecureUpdate && !string.Equals(incident.Contact, senderKey, StringComparison.Ordinal))
        {
            return new Open(match.Reference, $"{senderKey} is not the contact of incident {match.Reference} (secure update)");
        }

        if (incident.Status == IncidentStatus.Solved && policy.SolvedReplies == SolvedReplies.NewIncident)
        {
            return new Open(match.Reference, $"incident {match.Reference} is solved");
        }

        return new Append(match.Reference, match.Evidence);
    }
}

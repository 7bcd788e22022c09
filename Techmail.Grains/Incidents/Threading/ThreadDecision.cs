namespace Techmail.Incidents.Threading;

/// <summary>Whether a mail joins an existing incident or opens a new one, and why.</summary>
public abstract record ThreadDecision
{
    public sealed record Append(string Reference, ThreadEvidence Evidence) : ThreadDecision;

    /// <param name="Mentions">An incident the mail named but may not join, noted on the new incident.</param>
    /// <param name="Why">Why it may not join, for that note.</param>
    public sealed record Open(string? Mentions, string? Why) : ThreadDecision;

    /// <param name="dmarc">What a trusted receiving server found wrong with the From, if anything.</param>
    public static ThreadDecision Decide(ThreadMatch? match, IncidentSummary? incident, string senderKey, Speaker.DmarcFailure? dmarc, IncidentPolicy policy)
    {
        if (match is null || incident is null)
        {
            return new Open(null, null);
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

namespace Techmail.Incidents.Threading;

/// <summary>Whether a mail joins an existing incident or opens a new one, and why.</summary>
public abstract record ThreadDecision
{
    public sealed record Append(string Reference, ThreadEvidence Evidence) : ThreadDecision;

    /// <param name="Mentions">An incident the mail named but may not join, noted on the new incident.</param>
    /// <param name="Why">Why it may not join, for that note.</param>
    public sealed record Open(string? Mentions, string? Why) : ThreadDecision;

    public static ThreadDecision Decide(ThreadMatch? match, IncidentSummary? incident, string senderKey, IncidentPolicy policy)
    {
        if (match is null || incident is null)
        {
            return new Open(null, null);
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

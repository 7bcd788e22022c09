using Techmail.Incidents.Parsing;

namespace Techmail.Incidents.Threading;

/// <summary>Finds the incident a customer mail answers, if any.</summary>
public static class ThreadFinder
{
    /// <param name="trackingKey">The tenant's key that signed the tracking tokens.</param>
    /// <param name="referenceOfMessageIds">The newest incident holding a mail with one of these Message-IDs.</param>
    /// <param name="incidentExists">Whether the tenant has an incident with this reference.</param>
    public static async Task<ThreadMatch?> Find(
        CustomerMessage message,
        string tenant,
        byte[] trackingKey,
        Func<IReadOnlyList<string>, Task<string?>> referenceOfMessageIds,
        Func<string, Task<bool>> incidentExists)
    {
        // The token first: it is signed, so it cannot point into someone else's incident, and it survives a subject
        // rewritten by the customer's mail client or a forwarding rule.
        if (TrackingToken.FindInReplyHeaders(trackingKey, tenant, message.InReplyTo, message.References) is { } signed
            && await incidentExists(signed))
        {
            return new ThreadMatch(signed, ThreadEvidence.TrackingToken);
        }

        var answered = new List<string>(message.References);
        if (message.InReplyTo is { } inReplyTo)
        {
            // Last, so it counts as the newest when the list is cut short.
            answered.Add(inReplyTo);
        }

        if (await referenceOfMessageIds(answered) is { } known)
        {
            return new ThreadMatch(known, ThreadEvidence.KnownMessageId);
        }

        if (IncidentReference.FindInSubject(message.Subject) is { } inSubject && await incidentExists(inSubject.ToString()))
        {
            return new ThreadMatch(inSubject.ToString(), ThreadEvidence.SubjectReference);
        }

        return null;
    }
}

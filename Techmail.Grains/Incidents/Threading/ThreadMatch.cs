namespace Techmail.Incidents.Threading;

/// <summary>How a mail was tied to an existing incident, strongest first.</summary>
public enum ThreadEvidence
{
    /// <summary>A signed Techmail Message-ID in In-Reply-To or References.</summary>
    TrackingToken,

    /// <summary>In-Reply-To or References names a mail already in the incident's thread.</summary>
    KnownMessageId,

    /// <summary>"[Incident: YYMMDD-NNNNNN]" in the subject.</summary>
    SubjectReference,
}

public sealed record ThreadMatch(string Reference, ThreadEvidence Evidence);

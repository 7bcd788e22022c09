using Techmail.Incidents;
using Techmail.Incidents.Threading;

namespace Techmail.Tests.Incidents;

/// <summary>Which incident a mail joins: the evidence in its headers, then secure update and solved incidents.</summary>
public sealed class ThreadingTests
{
    private static readonly byte[] Key = "0123456789abcdef0123456789abcdef"u8.ToArray();
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_signed_token_in_In_Reply_To_wins_over_a_known_message_id_and_the_subject()
    {
        var token = TrackingToken.Create(Key, "acme", "261127-000007", "example.com");
        var mail = CustomerMail.Read($"From: ann@example.net\nSubject: Re: [Incident: 261127-000001] x\nIn-Reply-To: {token}\nReferences: <old@example.net>\n\nhi\n");

        var match = await ThreadFinder.Find(mail, "acme", Key, _ => Task.FromResult<string?>("261127-000003"), _ => Task.FromResult(true));

        Assert.Equal(new ThreadMatch("261127-000007", ThreadEvidence.TrackingToken), match);
    }

    [Fact]
    public async Task Without_a_token_a_known_message_id_then_the_subject_reference_is_used()
    {
        var mail = CustomerMail.Read("From: ann@example.net\nSubject: Re: [Incident: 261127-000001] x\nIn-Reply-To: <mine@example.net>\n\nhi\n");
        IReadOnlyList<string>? asked = null;

        var byId = await ThreadFinder.Find(mail, "acme", Key, ids => { asked = ids; return Task.FromResult<string?>("261127-000003"); }, _ => Task.FromResult(true));
        var bySubject = await ThreadFinder.Find(mail, "acme", Key, _ => Task.FromResult<string?>(null), _ => Task.FromResult(true));
        var none = await ThreadFinder.Find(mail, "acme", Key, _ => Task.FromResult<string?>(null), _ => Task.FromResult(false));

        Assert.Equal(["<mine@example.net>"], asked);
        Assert.Equal(new ThreadMatch("261127-000003", ThreadEvidence.KnownMessageId), byId);
        Assert.Equal(new ThreadMatch("261127-000001", ThreadEvidence.SubjectReference), bySubject);
        Assert.Null(none);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_or_for_another_tenant_is_not_evidence()
    {
        var otherKey = TrackingToken.Create("fedcba9876543210fedcba9876543210"u8.ToArray(), "acme", "261127-000007", "example.com");
        var otherTenant = TrackingToken.Create(Key, "globex", "261127-000008", "example.com");
        var mail = CustomerMail.Read($"From: ann@example.net\nSubject: hello\nIn-Reply-To: {otherKey}\nReferences: {otherTenant}\n\nhi\n");

        Assert.Null(await ThreadFinder.Find(mail, "acme", Key, _ => Task.FromResult<string?>(null), _ => Task.FromResult(true)));
    }

    [Fact]
    public void Secure_update_lets_only_the_contact_add_and_solved_incidents_follow_the_policy()
    {
        var incident = new IncidentSummary("261127-000001", "x", "ann@example.net", "support", IncidentStatus.Solved, null, null, null, null, [], [], T0, T0);
        var match = new ThreadMatch("261127-000001", ThreadEvidence.SubjectReference);
        var policy = new IncidentPolicy();

        Assert.Equal(new ThreadDecision.Append("261127-000001", ThreadEvidence.SubjectReference), ThreadDecision.Decide(match, incident, "ann@example.net", null, policy));
        var stranger = Assert.IsType<ThreadDecision.Open>(ThreadDecision.Decide(match, incident, "eve@example.net", null, policy));
        Assert.Equal("261127-000001", stranger.Mentions);
        Assert.Contains("secure update", stranger.Why);
        Assert.IsType<ThreadDecision.Append>(ThreadDecision.Decide(match, incident, "eve@example.net", null, policy with { SecureUpdate = false }));
        var solved = Assert.IsType<ThreadDecision.Open>(ThreadDecision.Decide(match, incident, "ann@example.net", null, policy with { SolvedReplies = SolvedReplies.NewIncident }));
        Assert.Contains("solved", solved.Why);
        Assert.Equal(new ThreadDecision.Open(null, null), ThreadDecision.Decide(null, null, "ann@example.net", null, policy));
        Assert.Equal(new ThreadDecision.Open(null, null), ThreadDecision.Decide(match, null, "ann@example.net", null, policy));
    }
}

namespace Techmail.Mailboxes;

/// <summary>One server a connection test reached (or did not): what was tried and what came of it.</summary>
/// <param name="What">"incoming" or "outgoing", with the server, e.g. "incoming pop3 mail.example.com:995".</param>
/// <param name="Outcome">What the server let the mailbox do, or the one line saying why it did not.</param>
[GenerateSerializer, Immutable, Alias("Techmail.ConnectionTestStep")]
public sealed record ConnectionTestStep([property: Id(0)] string What, [property: Id(1)] bool Ok, [property: Id(2)] string Outcome);

/// <summary>What a mailbox's connection test found: one step per server it is configured for.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.ConnectionTestResult")]
public sealed record ConnectionTestResult([property: Id(0)] IReadOnlyList<ConnectionTestStep> Steps)
{
    public bool Ok => Steps.All(s => s.Ok);
}

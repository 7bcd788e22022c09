using Techmail.Mailboxes;

namespace Techmail.Tenants;

/// <summary>One row of a tenant's mailbox directory: enough to list and to enforce the account rule.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.MailboxSummary")]
public sealed record MailboxSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] MailboxType Type,
    [property: Id(2)] bool Enabled,
    [property: Id(3)] MailboxDirection Direction,
    [property: Id(4)] string? IncomingAccount,
    [property: Id(5)] string? EnvelopeFrom,
    [property: Id(6)] TimeSpan PollInterval);

namespace Techmail.Mailboxes;

/// <summary>A mailbox as the client sees it: secrets masked.</summary>
/// <param name="Version">
/// Counts the changes of the settings (enable and disable included): what an update names to be refused when someone
/// else changed them first (the HTTP API's ETag).
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.MailboxView")]
public sealed record MailboxView(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Name,
    [property: Id(2)] MailboxSettings Settings,
    [property: Id(3)] MailboxStatus Status,
    [property: Id(4)] DateTimeOffset Created,
    [property: Id(5)] DateTimeOffset Updated,
    [property: Id(6)] long Version = 0);

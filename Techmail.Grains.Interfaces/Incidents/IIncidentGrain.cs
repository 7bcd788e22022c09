namespace Techmail.Incidents;

/// <summary>
/// One incident: the single writer of its thread, so entries get their sequence numbers one at a time.
/// Key: <see cref="IncidentKey.For"/>.
/// </summary>
[Alias("Techmail.IIncidentGrain")]
public interface IIncidentGrain : IGrainWithStringKey
{
    [Alias("Get"), Requires(Permission.ReadWork)]
    Task<IncidentDetails?> Get();

    /// <summary>
    /// Adds a customer's mail to the thread (once per message key; a repeat returns the first result) and applies
    /// what the rules decided. The status becomes <see cref="IncidentStatus.Updated"/> unless the rules set one.
    /// </summary>
    /// <returns>The entry's sequence number.</returns>
    [Alias("AddCustomerMail"), Requires(Permission.Engine)]
    Task<int> AddCustomerMail(CustomerUpdate update);

    /// <summary>One attachment's bytes exactly as they arrived; null when there is no such attachment.</summary>
    [Alias("Attachment"), Requires(Permission.ReadWork)]
    Task<AttachmentContent?> Attachment(int sequence, int position);

    /// <summary>An agent's answer: added to the thread and mailed to the contact from the incident's mailbox.</summary>
    /// <exception cref="IncidentException">No such incident, or the reply cannot be sent (with the reason).</exception>
    [Alias("Reply"), Requires(Permission.DoWork)]
    Task<ReplyReceipt> Reply(AgentReply reply);

    /// <summary>Changes the incident's fields (status, queue, priority, category, assignee); null fields stay as they are.</summary>
    /// <param name="expectedTag">
    /// When given, the change is made only if the incident is still at this <see cref="IncidentTag"/>; else a
    /// <see cref="Versions.VersionConflictException"/> and nothing changes.
    /// </param>
    /// <returns>The incident as stored after the change.</returns>
    [Alias("Update"), Requires(Permission.DoWork)]
    Task<IncidentSummary> Update(IncidentChanges changes, string? expectedTag = null);
}

public static class IncidentKey
{
    public static string For(string tenant, string reference) => $"{tenant}/{reference}";

    public static (string Tenant, string Reference) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }
}

[GenerateSerializer, Immutable, Alias("Techmail.IncidentDetails")]
public sealed record IncidentDetails(
    [property: Id(0)] IncidentSummary Incident,
    [property: Id(1)] IReadOnlyList<IncidentEntry> Thread);

[GenerateSerializer, Immutable, Alias("Techmail.AttachmentContent")]
public sealed record AttachmentContent(
    [property: Id(0)] AttachmentInfo Info,
    [property: Id(1)] byte[] Content);

/// <summary>A file an agent attaches to a reply.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.ReplyAttachment")]
public sealed record ReplyAttachment(
    [property: Id(0)] string FileName,
    [property: Id(1)] string ContentType,
    [property: Id(2)] byte[] Content);

/// <param name="Agent">Who answers, recorded as the entry's sender.</param>
/// <param name="Status">The status the incident moves to; waiting (for the customer) when not given.</param>
[GenerateSerializer, Immutable, Alias("Techmail.AgentReply")]
public sealed record AgentReply(
    [property: Id(0)] string Body,
    [property: Id(1)] string? Agent,
    [property: Id(2)] IReadOnlyList<ReplyAttachment> Attachments,
    [property: Id(3)] IncidentStatus? Status = null);

[GenerateSerializer, Immutable, Alias("Techmail.ReplyReceipt")]
public sealed record ReplyReceipt(
    [property: Id(0)] string Reference,
    [property: Id(1)] int Sequence,
    [property: Id(2)] string MessageId,
    [property: Id(3)] string Recipient);

/// <summary>
/// A change of an incident's fields: a null field stays as it is, an empty (or blank) queue, priority, category or
/// assignee is cleared.
/// </summary>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentChanges")]
public sealed record IncidentChanges(
    [property: Id(0)] IncidentStatus? Status = null,
    [property: Id(1)] string? Queue = null,
    [property: Id(2)] string? Priority = null,
    [property: Id(3)] string? Category = null,
    [property: Id(4)] string? Assignee = null);

public enum IncidentErrorKind
{
    NotFound,
    Invalid,
    CannotSend,
}

/// <summary>A refusal the client can show as it is: what was wrong, in one line.</summary>
[GenerateSerializer, Alias("Techmail.IncidentException")]
public sealed class IncidentException : Exception
{
    public IncidentException(IncidentErrorKind kind, string message) : base(message) => Kind = kind;

    [Id(0)]
    public IncidentErrorKind Kind { get; private set; }
}

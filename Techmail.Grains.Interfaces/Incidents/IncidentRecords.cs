namespace Techmail.Incidents;

public enum IncidentStatus
{
    New,
    Updated,
    Waiting,
    Solved,
}

/// <summary>Who wrote a thread entry.</summary>
public enum EntryAuthor
{
    Customer,
    Agent,
    System,
}

/// <summary>An attachment of a thread entry, without its bytes (those are fetched one at a time).</summary>
[GenerateSerializer, Immutable, Alias("Techmail.AttachmentInfo")]
public sealed record AttachmentInfo(
    [property: Id(0)] int Position,
    [property: Id(1)] string FileName,
    [property: Id(2)] string ContentType,
    [property: Id(3)] long Size,
    [property: Id(4)] string Sha256,
    [property: Id(5)] bool Inline,
    [property: Id(6)] string? ContentId);

/// <summary>One entry of an incident's thread, oldest first by <see cref="Sequence"/>.</summary>
/// <param name="ReplyText">
/// For a customer's mail, the reply without quoted history and signature (<see cref="Body"/> holds everything). Null for
/// agent and system entries, and for mail stored before reply texts were kept.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentEntry")]
public sealed record IncidentEntry(
    [property: Id(0)] int Sequence,
    [property: Id(1)] EntryAuthor Author,
    [property: Id(2)] string? Sender,
    [property: Id(3)] string Body,
    [property: Id(4)] DateTimeOffset Created,
    [property: Id(5)] string? MessageId,
    [property: Id(6)] string? MessageKey,
    [property: Id(7)] IReadOnlyList<AttachmentInfo> Attachments,
    [property: Id(8)] SmimeResult? Smime = null,
    [property: Id(9)] string? ReplyText = null);

/// <summary>An incident's fields, as lists and the client show them.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentSummary")]
public sealed record IncidentSummary(
    [property: Id(0)] string Reference,
    [property: Id(1)] string Subject,
    [property: Id(2)] string Contact,
    [property: Id(3)] string Mailbox,
    [property: Id(4)] IncidentStatus Status,
    [property: Id(5)] string? Queue,
    [property: Id(6)] string? Priority,
    [property: Id(7)] string? Category,
    [property: Id(8)] string? Assignee,
    [property: Id(9)] IReadOnlyList<string> Tags,
    [property: Id(10)] IReadOnlyList<string> RulesFired,
    [property: Id(11)] DateTimeOffset Created,
    [property: Id(12)] DateTimeOffset Updated);

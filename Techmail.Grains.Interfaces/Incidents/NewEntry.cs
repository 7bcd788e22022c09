namespace Techmail.Incidents;

/// <summary>An attachment as it arrives, with its bytes.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.NewAttachment")]
public sealed record NewAttachment(
    [property: Id(0)] string FileName,
    [property: Id(1)] string ContentType,
    [property: Id(2)] string Sha256,
    [property: Id(3)] bool Inline,
    [property: Id(4)] string? ContentId,
    [property: Id(5)] byte[] Content);

/// <summary>A thread entry about to be stored; <see cref="MessageKey"/> is set for entries that came as mail.</summary>
/// <param name="ReplyText">
/// For a customer's mail, what they wrote now: <paramref name="Body"/> without quoted history and signature. Null for
/// agent and system entries, whose body is all theirs.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.NewEntry")]
public sealed record NewEntry(
    [property: Id(0)] EntryAuthor Author,
    [property: Id(1)] string? Sender,
    [property: Id(2)] string Body,
    [property: Id(3)] DateTimeOffset Created,
    [property: Id(4)] string? MessageId,
    [property: Id(5)] string? MessageKey,
    [property: Id(6)] IReadOnlyList<NewAttachment> Attachments,
    [property: Id(7)] SmimeResult? Smime = null,
    [property: Id(8)] string? ReplyText = null);

/// <summary>What a customer mail changes on the incident it is added to, besides adding itself to the thread.</summary>
/// <param name="Changes">Fields set by business rules (null: unchanged).</param>
/// <param name="Tags">Tags the rules added.</param>
/// <param name="RulesFired">Rules that fired on this mail, added to the incident's record.</param>
[GenerateSerializer, Immutable, Alias("Techmail.CustomerUpdate")]
public sealed record CustomerUpdate(
    [property: Id(0)] NewEntry Entry,
    [property: Id(1)] IncidentChanges Changes,
    [property: Id(2)] IReadOnlyList<string> Tags,
    [property: Id(3)] IReadOnlyList<string> RulesFired);

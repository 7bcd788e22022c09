namespace Techmail.Incidents;

/// <summary>An attachment as it arrives, with its bytes.</summary>
public sealed record NewAttachment(string FileName, string ContentType, string Sha256, bool Inline, string? ContentId, byte[] Content);

/// <summary>A thread entry about to be stored; <see cref="MessageKey"/> is set for entries that came as mail.</summary>
public sealed record NewEntry(
    EntryAuthor Author,
    string? Sender,
    string Body,
    DateTimeOffset Created,
    string? MessageId,
    string? MessageKey,
    IReadOnlyList<NewAttachment> Attachments);

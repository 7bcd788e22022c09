namespace Techmail.Mailboxes;

/// <summary>Limits on what incoming mail may carry; a message that breaks one is rejected.</summary>
/// <param name="AllowedTypes">When not empty, only these types pass. Entries are extensions (".pdf") or MIME types ("image/png", "image/*").</param>
/// <param name="BlockedTypes">These never pass, even when also allowed.</param>
[GenerateSerializer, Immutable, Alias("Techmail.AttachmentPolicy")]
public sealed record AttachmentPolicy(
    [property: Id(0)] long? MaxAttachmentBytes,
    [property: Id(1)] long? MaxMessageBytes,
    [property: Id(2)] IReadOnlyList<string> AllowedTypes,
    [property: Id(3)] IReadOnlyList<string> BlockedTypes)
{
    public static AttachmentPolicy None { get; } = new(null, null, [], []);
}

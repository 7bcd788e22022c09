namespace Techmail.Incidents.Parsing;

/// <summary>A file that came with a customer message, decoded.</summary>
/// <param name="FileName">
/// A name safe to show and to save under: decoded, without any path, unique within the message, and made up from
/// the content type (e.g. "image-2.png") when the sender gave none.
/// </param>
/// <param name="ContentType">The MIME type, lower-case, e.g. "application/pdf".</param>
/// <param name="Size">Length of <see cref="Content"/> in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <see cref="Content"/>.</param>
/// <param name="Content">The decoded bytes (equality on this record compares the array reference, not the bytes).</param>
/// <param name="Inline">Whether the sender meant it to be shown inside the body, like an image in an HTML mail.</param>
/// <param name="ContentId">The Content-ID without angle brackets, which "cid:" links in an HTML body refer to.</param>
public sealed record CustomerAttachment(
    string FileName,
    string ContentType,
    long Size,
    string Sha256,
    byte[] Content,
    bool Inline,
    string? ContentId);

using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// The decoded text of each text part of one message (<see cref="DecodedText"/>), for the whole of its reading: the
/// charset hint, the walk that finds uuencoded files and the body and reply text all ask here, so a part is decoded
/// once however many of them read it. One per message read; a walk of another parse of the mail makes its own.
/// </summary>
internal sealed class DecodedTexts
{
    private readonly Dictionary<TextPart, DecodedText> _parts = new(ReferenceEqualityComparer.Instance);

    public DecodedText For(TextPart part)
    {
        if (!_parts.TryGetValue(part, out var decoded))
        {
            decoded = new DecodedText(part);
            _parts.Add(part, decoded);
        }

        return decoded;
    }
}

using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// The decoded text of each text part of one message (<see cref="DecodedText"/>), for the whole of its reading: the
/// charset hint, the walk that finds uuencoded files and the body and reply text all ask here, so a part is decoded
/// once however many of them read it. One per message read; a walk of another parse of the mail makes its own.
/// </summary>
internal sealed class DecodedTexts
{
    /// <summary>
    /// Up to this many parts are found by looking through them: a message has a few text parts, and an identity hash
    /// of a MimeKit part cost more than reading the part (it sets up the object's hash on first use). Beyond it, a
    /// message built with thousands of parts is looked up by hash instead of searched through for each.
    /// </summary>
    private const int SearchedParts = 16;

    private readonly List<DecodedText> _few = [];
    private Dictionary<TextPart, DecodedText>? _many;

    public DecodedText For(TextPart part)
    {
        if (_many is not null)
        {
            if (!_many.TryGetValue(part, out var known))
            {
                known = new DecodedText(part);
                _many.Add(part, known);
            }

            return known;
        }

        foreach (var known in _few)
        {
            if (ReferenceEquals(known.Part, part)) return known;
        }

        var decoded = new DecodedText(part);
        _few.Add(decoded);
        if (_few.Count > SearchedParts) _many = _few.ToDictionary<DecodedText, TextPart>(d => d.Part, ReferenceEqualityComparer.Instance);
        return decoded;
    }
}

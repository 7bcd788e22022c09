using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// One body text part's content, decoded once for every stage that reads it while a message is read: its bytes with
/// the transfer encoding undone (what the uuencode scan and the charset hint look at) and its text in the charset it
/// really is in (what the body and the reply text are made of). Each is decoded on first use, and never again.
/// </summary>
/// <remarks>Not thread-safe: one message is read by one thread (see <see cref="DecodedTexts"/>).</remarks>
internal sealed class DecodedText
{
    private byte[]? _bytes;
    private bool _damaged;
    private string? _text;
    private string? _charsetNote;

    public DecodedText(TextPart part) => Part = part;

    /// <summary>A part whose bytes are already known: the text left once uuencoded files were cut out of it.</summary>
    public DecodedText(TextPart part, byte[] bytes, bool damaged)
    {
        Part = part;
        _bytes = bytes;
        _damaged = damaged;
    }

    /// <summary>The part as it came: its type and parameters (charset, format=flowed) say how the bytes are read.</summary>
    public TextPart Part { get; }

    /// <summary>The content with its transfer encoding undone, as much of it as could be recovered.</summary>
    public byte[] Bytes
    {
        get
        {
            _bytes ??= PartContent.Decode(Part, out _damaged);
            return _bytes;
        }
    }

    /// <summary>Whether the content could only be read in part.</summary>
    public bool Damaged
    {
        get
        {
            _ = Bytes;
            return _damaged;
        }
    }

    /// <summary>The bytes as text, in the declared charset unless it is clearly wrong (see <see cref="TextDecoding"/>).</summary>
    public string Text
    {
        get
        {
            _text ??= TextDecoding.Decode(Bytes, Part.ContentType.Charset, out _charsetNote);
            return _text;
        }
    }

    /// <summary>Why <see cref="Text"/> was not read in the declared charset, or null when it was.</summary>
    public string? CharsetNote
    {
        get
        {
            _ = Text;
            return _charsetNote;
        }
    }
}

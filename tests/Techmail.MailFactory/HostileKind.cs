namespace Techmail.MailFactory;

/// <summary>
/// The kinds of hostile or malformed mail the generator writes; a failure is reported by its kind's name. Each is
/// something real servers deliver: broken mailers, spam kits, truncated transfers, and mail made to break parsers.
/// </summary>
public enum HostileKind
{
    /// <summary>NUL bytes inside the From address, as in issue 16: <c>From: Broken Sender 24 &lt;bad\0 4@fuz\0.e\0ample&gt;</c>.</summary>
    NulInFrom,

    /// <summary>NUL bytes in the Subject, in an extra header's value and in the body.</summary>
    NulInHeaders,

    /// <summary>A charset no one knows, in the Content-Type and in an encoded-word, over 8-bit text.</summary>
    UnknownCharset,

    /// <summary>Encoded-words that cannot be decoded: bad Q escapes, bad base64, an unknown encoding letter, unterminated.</summary>
    InvalidEncodedWord,

    /// <summary>A base64 body and attachment with characters outside the alphabet, bad padding and a cut last quantum.</summary>
    InvalidBase64,

    /// <summary>A quoted-printable body with bad escapes (=ZZ), a cut escape at the end and over-long lines.</summary>
    InvalidQuotedPrintable,

    /// <summary>
    /// Text that decodes to a lone surrogate: a UTF-16 encoded-word holding a high surrogate followed by a letter, and a
    /// subject whose emoji straddles character 998, where a clip to 998 characters cuts the pair in half.
    /// </summary>
    LoneSurrogate,

    /// <summary>One header line of a megabyte, never folded.</summary>
    HugeHeaderLine,

    /// <summary>Ten thousand header fields.</summary>
    ManyHeaderFields,

    /// <summary>Multiparts nested thousands of levels deep.</summary>
    DeepNesting,

    /// <summary>A From header with nothing in it.</summary>
    EmptyFrom,

    /// <summary>Two From headers, the first with two addresses.</summary>
    MultipleFrom,

    /// <summary>A From header that is no address at all: stray brackets, quotes, at-signs and semicolons.</summary>
    GarbageFrom,

    /// <summary>A multipart whose declared boundary never appears; another one is used instead and never closed.</summary>
    MissingBoundary,

    /// <summary>A multipart cut off in the middle of a base64 attachment: no closing boundary, no final line break.</summary>
    TruncatedMidPart,

    /// <summary>Lines ended by a bare CR, in the headers and the body.</summary>
    BareCr,

    /// <summary>Lines ended by a bare LF, mixed with CRLF lines.</summary>
    BareLf,

    /// <summary>Raw 8-bit bytes in the headers (Latin-1, UTF-8 and invalid UTF-8), with no encoding declared.</summary>
    EightBitHeaders,

    /// <summary>No Message-ID header at all.</summary>
    MissingMessageId,

    /// <summary>Two Message-ID headers with different values.</summary>
    DuplicatedMessageId,

    /// <summary>Headers and the blank line, then nothing: a body of zero bytes.</summary>
    ZeroLengthBody,

    /// <summary>Random bytes (NULs, 0xFF, control characters) with no header structure at all.</summary>
    BinaryGarbage,
}

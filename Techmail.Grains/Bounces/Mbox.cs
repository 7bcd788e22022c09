namespace Techmail.Bounces;

/// <summary>
/// RFC 4155 mailbox files: messages each introduced by a "From " separator line at the start of a line. A bounce
/// saved from a mail client (or a folder of them) arrives so through `techmail bounce classify`.
/// </summary>
internal static class Mbox
{
    private static ReadOnlySpan<byte> Separator => "From "u8;

    private static ReadOnlySpan<byte> NextSeparator => "\nFrom "u8;

    /// <summary>True when the bytes open with a separator line and another one follows: more than one message.</summary>
    public static bool HoldsSeveral(ReadOnlySpan<byte> raw) =>
        raw.StartsWith(Separator) && raw[Separator.Length..].IndexOf(NextSeparator) >= 0 && SecondLooksLikeSeparator(raw);

    /// <summary>
    /// A body line may also start with "From " (mboxo does not escape it), so the second separator must be followed
    /// by a line that is a header field, as a message's first line is.
    /// </summary>
    private static bool SecondLooksLikeSeparator(ReadOnlySpan<byte> raw)
    {
        var rest = raw[Separator.Length..];
        while (true)
        {
            var at = rest.IndexOf(NextSeparator);
            if (at < 0) return false;
            rest = rest[(at + NextSeparator.Length)..];
            var lineEnd = rest.IndexOf((byte)'\n');
            if (lineEnd < 0) return false;
            var next = rest[(lineEnd + 1)..];
            var colon = next.IndexOf((byte)':');
            var newline = next.IndexOf((byte)'\n');
            if (colon > 0 && (newline < 0 || colon < newline) && next[..colon].IndexOfAny((byte)' ', (byte)'\t') < 0) return true;
        }
    }
}

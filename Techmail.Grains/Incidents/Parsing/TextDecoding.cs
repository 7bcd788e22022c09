using System.Text;
using MimeKit.Text;

namespace Techmail.Incidents.Parsing;

/// <summary>Bytes of a text part to a string, surviving charset labels that are missing, unknown or wrong.</summary>
internal static class TextDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Windows-1252, the charset mail labelled ISO-8859-1 (or not labelled at all) is nearly always in.</summary>
    private static readonly Encoding Western = WesternOrLatin1();

    /// <param name="note">Why the text was not read in the declared charset, or null when it was.</param>
    public static string Decode(byte[] bytes, string? declaredCharset, out string? note)
    {
        note = null;
        var text = DecodeCharset(bytes, declaredCharset?.Trim().Trim('"', '\'').Trim(), ref note);
        return NormalizeLineEnds(text);
    }

    /// <summary>Undoes format=flowed (RFC 3676) so soft-wrapped paragraphs read as the sender wrote them.</summary>
    public static string Unflow(string text, bool deleteSpace)
    {
        // RFC 3676 4.3: "-- " is the signature separator and never flowed, though it ends in a space; MimeKit's
        // converter joins it to the next line ("-- Name"). So the text is unflowed in the stretches between
        // separators, which are kept as they are.
        var unflowed = new StringBuilder(text.Length);
        var stretch = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line != "-- ")
            {
                stretch.Append(line).Append('\n');
                continue;
            }
            unflowed.Append(UnflowStretch(stretch.ToString(), deleteSpace)).Append("-- \n");
            stretch.Clear();
        }
        unflowed.Append(UnflowStretch(stretch.ToString(), deleteSpace));
        return unflowed.ToString();
    }

    /// <summary>Unflows text that holds no signature separator; the result ends in a line break unless empty.</summary>
    private static string UnflowStretch(string text, bool deleteSpace)
    {
        if (text.Length == 0) return "";
        var converter = new FlowedToText { DeleteSpace = deleteSpace };
        var unflowed = NormalizeLineEnds(converter.Convert(text));
        return unflowed.Length == 0 || unflowed.EndsWith('\n') ? unflowed : unflowed + "\n";
    }

    private static string DecodeCharset(byte[] bytes, string? charset, ref string? note)
    {
        if (bytes.Length == 0) return "";

        // A byte order mark outranks any label: it is written by the program that wrote the bytes.
        if (bytes.AsSpan().StartsWith<byte>([0xEF, 0xBB, 0xBF])) return Lenient(Encoding.UTF8, bytes.AsSpan(3));
        if (bytes.AsSpan().StartsWith<byte>([0xFF, 0xFE])) return Lenient(Encoding.Unicode, bytes.AsSpan(2));
        if (bytes.AsSpan().StartsWith<byte>([0xFE, 0xFF])) return Lenient(Encoding.BigEndianUnicode, bytes.AsSpan(2));

        var declared = Find(charset);
        if (declared is null)
        {
            var guessed = Utf8OrWestern(bytes, out var text);
            if (!string.IsNullOrEmpty(charset)) note = $"charset \"{charset}\" is unknown; read as {guessed}";
            return text;
        }

        if (declared.CodePage == Encoding.UTF8.CodePage)
        {
            if (TryStrictUtf8(bytes, out var utf8)) return utf8;
            note = "text labelled UTF-8 is not valid UTF-8; read as Windows-1252";
            return Western.GetString(bytes);
        }

        // Western single-byte labels are often pasted onto UTF-8 by misconfigured clients. Valid UTF-8 with
        // non-ASCII in it practically never happens by chance in those charsets, so it settles the question.
        if (IsWesternSingleByte(declared.CodePage) && HasNonAscii(bytes))
        {
            if (TryStrictUtf8(bytes, out var utf8))
            {
                note = $"text labelled {charset} is UTF-8; read as UTF-8";
                return utf8;
            }
            // US-ASCII would turn every 8-bit byte into '?'; the Western code page keeps them readable.
            if (declared.CodePage == 20127) return Western.GetString(bytes);
        }

        return Lenient(declared, bytes);
    }

    private static string Utf8OrWestern(byte[] bytes, out string text)
    {
        if (TryStrictUtf8(bytes, out text)) return "UTF-8";
        text = Western.GetString(bytes);
        return "Windows-1252";
    }

    private static Encoding? Find(string? charset)
    {
        if (string.IsNullOrEmpty(charset)) return null;
        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            // Names .NET does not know but mail uses; anything else is unknown.
            return charset.ToLowerInvariant() switch
            {
                "utf8" or "utf-8-sig" => Encoding.UTF8,
                "latin1" or "iso8859-1" or "iso_8859-1" or "iso-8859-1:1987" => Western,
                "ansi_x3.4-1968" or "ascii" => Encoding.ASCII,
                _ => null,
            };
        }
    }

    private static bool TryStrictUtf8(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    private static string Lenient(Encoding encoding, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return encoding.GetString(bytes);
        }
        catch (Exception e) when (e is DecoderFallbackException or ArgumentException)
        {
            return Western.GetString(bytes);
        }
    }

    private static bool IsWesternSingleByte(int codePage) => codePage is 20127 or 28591 or 28605 or 1252;

    private static bool HasNonAscii(byte[] bytes) => bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    private static string NormalizeLineEnds(string text)
    {
        if (text.Contains('\r')) text = text.Replace("\r\n", "\n").Replace('\r', '\n');
        // NULs come from binary pasted into text parts and break databases and displays further along.
        if (text.Contains('\0')) text = text.Replace("\0", "");
        return text;
    }

    private static Encoding WesternOrLatin1()
    {
        // The code pages are registered when the assembly loads (Polling/LegacyCharsets), before this runs.
        try { return Encoding.GetEncoding(1252); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException) { return Encoding.Latin1; }
    }
}

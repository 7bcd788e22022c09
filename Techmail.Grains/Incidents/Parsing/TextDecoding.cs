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
    /// <param name="hint">
    /// The charset the rest of the message was detected in (see <see cref="CharsetHint"/>), for text too short for a
    /// detector to judge on its own (a name, a subject); null when there is none.
    /// </param>
    public static string Decode(byte[] bytes, string? declaredCharset, out string? note, Encoding? hint = null)
    {
        note = null;
        var text = DecodeCharset(bytes, declaredCharset?.Trim().Trim('"', '\'').Trim(), ref note, hint);
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

    private static string DecodeCharset(byte[] bytes, string? charset, ref string? note, Encoding? hint)
    {
        if (bytes.Length == 0) return "";

        // A byte order mark outranks any label: it is written by the program that wrote the bytes.
        if (bytes.AsSpan().StartsWith<byte>([0xEF, 0xBB, 0xBF])) return Lenient(Encoding.UTF8, bytes.AsSpan(3));
        if (bytes.AsSpan().StartsWith<byte>([0xFF, 0xFE])) return Lenient(Encoding.Unicode, bytes.AsSpan(2));
        if (bytes.AsSpan().StartsWith<byte>([0xFE, 0xFF])) return Lenient(Encoding.BigEndianUnicode, bytes.AsSpan(2));

        var declared = Find(charset);
        if (declared is null)
        {
            var guessed = Unlabelled(bytes, hint, out var text);
            if (!string.IsNullOrEmpty(charset)) note = $"charset \"{charset}\" is unknown; read as {guessed}";
            return text;
        }

        if (declared.CodePage == Encoding.UTF8.CodePage)
        {
            // Valid UTF-8 is always taken as labelled; only bytes that are not UTF-8 at all are looked at again.
            if (TryStrictUtf8(bytes, out var utf8)) return utf8;
            var guessed = NotUtf8(bytes, hint, out var text);
            note = $"text labelled UTF-8 is not valid UTF-8; read as {guessed}";
            return text;
        }

        if (!HasNonAscii(bytes)) return Lenient(declared, bytes);

        // Other labels are often pasted onto UTF-8 by misconfigured clients. Valid UTF-8 with non-ASCII in it
        // practically never happens by chance in another charset, so it settles the question.
        if (TryStrictUtf8(bytes, out var asUtf8))
        {
            note = $"text labelled {charset} is UTF-8; read as UTF-8";
            return asUtf8;
        }

        if (Relabelled(bytes, charset!, declared, hint) is { } found)
        {
            note = $"text labelled {charset} is not in that charset; read as {found.Charset}";
            return found.Text;
        }

        // US-ASCII would turn every 8-bit byte into '?'; the Western code page keeps them readable.
        if (declared.CodePage == 20127) return Western.GetString(bytes);
        return Lenient(declared, bytes);
    }

    /// <summary>
    /// The charset the bytes are really in when the label is clearly wrong, or null to keep the label. Clearly wrong
    /// means: the bytes are invalid in the labelled charset; or a Western label on text whose letters are mostly
    /// 8-bit (no Western language writes like that, every CJK and Cyrillic one does); or a Cyrillic label whose reading
    /// is mostly capitals while another Cyrillic code page reads it in ordinary case (KOI8-R and Windows-1251 swap the
    /// case of each other's letters). A guess is taken only when it decodes every byte.
    /// </summary>
    private static (string Charset, string Text)? Relabelled(byte[] bytes, string label, Encoding declared, Encoding? hint)
    {
        // .NET reads "gb2312" as GBK, whose wider byte ranges accept Big5 text as a string of rare characters; bytes
        // outside GB2312's own ranges are invalid for the label even where GBK would take them.
        var labelled = CharsetGuess.TryDecode(declared, bytes, out var labelledText)
            && !(label.Equals("gb2312", StringComparison.OrdinalIgnoreCase) && !IsEucCn(bytes));
        var westernMisread = IsWesternSingleByte(declared.CodePage) && MostlyEightBit(bytes);
        var cyrillicCase = labelled && !westernMisread && CharsetGuess.IsCyrillic(declared);
        if (labelled && !westernMisread && !cyrillicCase) return null;
        // Text written in capitals is not mojibake; a misread sentence is capitals with small letters where its
        // capitals were ("пЁТР иВАНОВ").
        if (cyrillicCase && (UpperShare(labelledText) <= 0.5 || !HasCaseFlip(labelledText))) return null;

        if (Guess(bytes, hint) is not { } guess) return null;
        var encoding = Find(guess.Charset);
        if (encoding is null || encoding.CodePage == declared.CodePage) return null;
        if (cyrillicCase)
            return CharsetGuess.IsCyrillic(encoding) && UpperShare(guess.Text) < UpperShare(labelledText) / 2 ? guess : null;
        // GB2312 labelled text that reads as GB18030 is the label's own family: keep the label.
        if (labelled && CharsetGuess.Family(encoding) == CharsetGuess.Family(declared)) return null;
        return guess;
    }

    /// <summary>
    /// A charset for bytes no label explains: for short text (a name, a subject) the message's own charset when it
    /// decodes them, since a detector cannot tell a few CJK or Cyrillic characters apart; otherwise the detector's.
    /// </summary>
    private static (string Charset, string Text)? Guess(byte[] bytes, Encoding? hint)
    {
        (string, string)? hinted = hint is not null && CharsetGuess.TryDecode(hint, bytes, out var hintText) ? (hint.WebName, hintText) : null;
        if (bytes.Length < ShortText) return hinted;
        return CharsetGuess.Detect(bytes) ?? hinted;
    }

    /// <summary>
    /// Below this many bytes a detector's verdict is a coin toss between charsets (a CJK name decodes in half a
    /// dozen): such text is read only in the message's own charset, or left as labelled.
    /// </summary>
    private const int ShortText = 64;

    /// <summary>Unlabelled (or unknown-labelled) text: UTF-8 when it is valid UTF-8, else what it is detected as.</summary>
    private static string Unlabelled(byte[] bytes, Encoding? hint, out string text)
    {
        if (TryStrictUtf8(bytes, out text)) return "UTF-8";
        return NotUtf8(bytes, hint, out text);
    }

    /// <summary>
    /// Bytes that are not UTF-8: Windows-1252 for Western text (its letters are mostly ASCII, and the detector easily
    /// mistakes a few accents for something else), the detected charset for text whose letters are mostly 8-bit.
    /// </summary>
    private static string NotUtf8(byte[] bytes, Encoding? hint, out string text)
    {
        if (MostlyEightBit(bytes) && Guess(bytes, hint) is { } guess)
        {
            text = guess.Text;
            return guess.Charset;
        }
        text = Western.GetString(bytes);
        return "Windows-1252";
    }

    /// <summary>
    /// Whether at least a third of the letters (ASCII letters and 8-bit bytes) are 8-bit, and at least four bytes are:
    /// letters of CJK and Cyrillic text are, while even the most accented Western languages stay well under a third
    /// once a word or two is there ("Öl" alone is half 8-bit and still German, hence the four).
    /// </summary>
    private static bool MostlyEightBit(byte[] bytes)
    {
        int high = 0, letters = 0;
        foreach (var b in bytes)
        {
            if (b >= 0x80)
            {
                high++;
                letters++;
            }
            else if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z')
            {
                letters++;
            }
        }
        return high >= 4 && high * 3 >= letters;
    }

    /// <summary>Whether every 8-bit byte pair is in GB2312's EUC-CN ranges (both bytes 0xA1 to 0xFE).</summary>
    private static bool IsEucCn(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] < 0x80) continue;
            if (bytes[i] is < 0xA1 or 0xFF || i + 1 >= bytes.Length || bytes[i + 1] is < 0xA1 or 0xFF) return false;
            i++;
        }
        return true;
    }

    /// <summary>Whether a capital follows a small letter inside a word somewhere.</summary>
    private static bool HasCaseFlip(string text)
    {
        for (var i = 1; i < text.Length; i++)
            if (char.IsUpper(text[i]) && char.IsLower(text[i - 1])) return true;
        return false;
    }

    /// <summary>The share of letters that are capitals.</summary>
    private static double UpperShare(string text)
    {
        int letters = 0, upper = 0;
        foreach (var c in text)
        {
            if (!char.IsLetter(c)) continue;
            letters++;
            if (char.IsUpper(c)) upper++;
        }
        return letters == 0 ? 0 : (double)upper / letters;
    }

    /// <summary>Whether at least a third of the letters are 8-bit bytes (see <see cref="Relabelled"/>).</summary>
    internal static bool IsMostlyEightBit(byte[] bytes) => MostlyEightBit(bytes);

    internal static Encoding? Find(string? charset)
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

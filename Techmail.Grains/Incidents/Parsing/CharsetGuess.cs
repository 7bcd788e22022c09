using System.Text;
using UtfUnknown;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// The charset text really is in, for text whose label is missing or plainly wrong: a statistical detector (UTF.Unknown,
/// a port of Mozilla's universal charset detector) proposes, and its proposal is taken only when the bytes decode in
/// it without a single invalid sequence. Callers ask only when the label has already failed (see
/// <see cref="TextDecoding"/>), so a right label is never second-guessed.
/// </summary>
internal static class CharsetGuess
{
    /// <summary>Below this the detector is guessing between charsets it cannot tell apart on this little text.</summary>
    private const float MinimumConfidence = 0.5f;

    /// <summary>A detector's proposal and the text it gives; null when it has none it is sure of or it does not decode.</summary>
    public static (string Charset, string Text)? Detect(byte[] bytes)
    {
        DetectionResult result;
        try
        {
            result = CharsetDetector.DetectFromBytes(bytes);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }

        var detected = result.Detected;
        if (detected?.Encoding is null || detected.Confidence < MinimumConfidence) return null;
        var strict = Strict(detected.Encoding);
        if (strict is null || !TryDecode(strict, bytes, out var text)) return null;
        return (detected.EncodingName, text);
    }

    /// <summary>The text in <paramref name="encoding"/>, or false when a byte sequence is invalid in it.</summary>
    public static bool TryDecode(Encoding encoding, byte[] bytes, out string text)
    {
        var strict = Strict(encoding);
        if (strict is null)
        {
            text = "";
            return false;
        }
        try
        {
            text = strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    /// <summary>The family a charset belongs to, so GB2312 read as GB18030 is agreement, not a different guess.</summary>
    public static string Family(Encoding encoding) => encoding.CodePage switch
    {
        936 or 54936 or 20936 or 52936 => "chinese-simplified",
        950 or 10002 or 20000 => "chinese-traditional",
        932 or 20932 or 51932 or 50220 or 50221 or 50222 => "japanese",
        949 or 51949 or 50225 or 1361 => "korean",
        1251 or 20866 or 21866 or 28595 or 866 or 855 or 10007 => "cyrillic",
        _ => encoding.WebName,
    };

    public static bool IsCjk(Encoding encoding) => Family(encoding) is "chinese-simplified" or "chinese-traditional" or "japanese" or "korean";

    public static bool IsCyrillic(Encoding encoding) => Family(encoding) == "cyrillic";

    private static Encoding? Strict(Encoding encoding)
    {
        try
        {
            return Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }
}

using System.Text;

namespace Techmail.Silo.WebConsole.Admin.Quarantine;

/// <summary>
/// A quarantined message's raw bytes as text to read in a page, never as mail to render: the page HTML-encodes it
/// like any text, and this keeps the rest honest. Bytes that are not UTF-8 show as the replacement character (the
/// headers say what a part's charset was; the raw form is what an admin judges), control characters other than line
/// breaks and tabs, and the bidirectional overrides that could make a line read differently from what it is, show
/// as visible stand-ins. Long messages are cut, saying how much is not shown.
/// </summary>
public static class RawMailText
{
    public const int DefaultLimit = 256 * 1024;

    public static (string Text, long Omitted) Show(byte[] raw, int limit = DefaultLimit)
    {
        var shown = raw.AsSpan(0, Math.Min(raw.Length, limit));
        var text = Encoding.UTF8.GetString(shown);
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(c switch
            {
                '\n' or '\t' => c,
                // CRLF is how mail ends its lines; the CR alone says nothing a reader needs.
                '\r' => '\0',
                '\u001b' => '␛',
                '\u0007' => '␇',
                _ when char.IsControl(c) => '�',
                >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u200e' or '\u200f' or '\u061c' => '�',
                _ => c,
            });
        }

        clean.Replace("\0", "");
        return (clean.ToString(), raw.Length - shown.Length);
    }
}

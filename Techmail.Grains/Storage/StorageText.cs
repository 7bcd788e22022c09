using System.Text;

namespace Techmail.Storage;

/// <summary>
/// Text as both databases will store it. Mail is hostile: a header may carry U+0000, which PostgreSQL refuses in
/// TEXT, or decode to half a surrogate pair, which no UTF-8 encoder will write. Every string bound to a command
/// passes through <see cref="Safe"/>, so no stage has to remember it; limits cut on character boundaries.
/// </summary>
public static class StorageText
{
    private const char Replacement = '\uFFFD';

    /// <summary>The text with U+0000 and unpaired surrogates replaced by U+FFFD; the same instance when it had none.</summary>
    public static string Safe(string text)
    {
        var span = text.AsSpan();
        var first = FirstUnsafe(span);
        if (first < 0)
        {
            return text;
        }

        var safe = new StringBuilder(text.Length);
        safe.Append(span[..first]);
        for (var i = first; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '\0')
            {
                safe.Append(Replacement);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                safe.Append(c).Append(span[++i]);
            }
            else
            {
                safe.Append(char.IsSurrogate(c) ? Replacement : c);
            }
        }

        return safe.ToString();
    }

    /// <summary>Where the first U+0000 or unpaired surrogate is, or -1: most text has neither and is kept as it is.</summary>
    private static int FirstUnsafe(ReadOnlySpan<char> span)
    {
        var nul = span.IndexOf('\0');
        for (var i = span.IndexOfAnyInRange('\uD800', '\uDFFF'); i >= 0 && i < span.Length && (nul < 0 || i < nul); i++)
        {
            var c = span[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return nul;
    }

    /// <summary>A value bound to a command: strings made safe, everything else as it is.</summary>
    public static object Bind(object? value) => value switch
    {
        null => DBNull.Value,
        string text => Safe(text),
        _ => value,
    };

    /// <summary>At most <paramref name="length"/> characters, never ending on the first half of a surrogate pair.</summary>
    public static string Clip(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        var end = length > 0 && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..end];
    }

    /// <inheritdoc cref="Clip(string, int)"/>
    public static string? ClipOrNull(string? text, int length) => text is null ? null : Clip(text, length);
}

using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>Gives each attachment of one message a file name that is safe to save under and unique in the message.</summary>
internal sealed class AttachmentNames
{
    private const int MaxLength = 200;
    private static readonly char[] Forbidden = ['<', '>', ':', '"', '/', '\\', '|', '?', '*'];

    private readonly HashSet<string> _taken = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="proposed">The name the sender gave (decoded by MimeKit), if any.</param>
    /// <param name="mimeType">The attachment's content type, for the extension of a made-up name.</param>
    /// <param name="position">1-based place of the attachment in the message, to number made-up names.</param>
    public string Assign(string? proposed, string mimeType, int position)
    {
        var isMessage = IsWholeMessage(mimeType);
        var name = Clean(proposed) ?? $"{Prefix(mimeType)}-{position}{Extension(mimeType)}";
        // A forwarded message is saved as .eml whatever it was called, so mail programs open it.
        if (isMessage && !name.EndsWith(".eml", StringComparison.OrdinalIgnoreCase)) name += ".eml";
        return Unique(name);
    }

    /// <summary>
    /// The last path segment with control and reserved characters removed: senders' names can carry Windows paths
    /// ("C:\fakepath\x.pdf"), "../" or characters that cannot be in a file name. Null when nothing is left.
    /// </summary>
    private static string? Clean(string? proposed)
    {
        if (string.IsNullOrWhiteSpace(proposed)) return null;
        var name = proposed;
        var slash = name.LastIndexOfAny(['/', '\\']);
        if (slash >= 0) name = name[(slash + 1)..];
        var kept = new string(name.Where(c => !char.IsControl(c) && Array.IndexOf(Forbidden, c) < 0).ToArray());
        kept = HeaderText.OneLine(kept).Trim(' ', '.');
        if (kept.Length == 0) return null;
        if (kept.Length > MaxLength)
        {
            var extension = Path.GetExtension(kept);
            if (extension.Length > 16) extension = "";
            kept = kept[..(MaxLength - extension.Length)].TrimEnd(' ', '.') + extension;
        }
        return kept;
    }

    private static string Prefix(string mimeType) => mimeType switch
    {
        _ when mimeType.StartsWith("image/", StringComparison.Ordinal) => "image",
        _ when IsWholeMessage(mimeType) => "message",
        _ => "attachment",
    };

    private static string Extension(string mimeType)
    {
        if (IsWholeMessage(mimeType)) return ".eml";
        // Delivery and disposition reports are lines of text; as .eml a mail program would show them as a broken mail.
        if (mimeType.StartsWith("message/", StringComparison.Ordinal)) return ".txt";
        try
        {
            if (MimeTypes.TryGetExtension(mimeType, out var extension) && !string.IsNullOrEmpty(extension))
                return extension;
        }
        catch (ArgumentException)
        {
            // An odd type name only costs the extension.
        }
        return mimeType.StartsWith("text/", StringComparison.Ordinal) ? ".txt" : ".bin";
    }

    /// <summary>A complete mail (RFC 822 or its internationalised form), as opposed to a report about one.</summary>
    private static bool IsWholeMessage(string mimeType) => mimeType is "message/rfc822" or "message/global";

    private string Unique(string name)
    {
        if (_taken.Add(name)) return name;
        var extension = Path.GetExtension(name);
        var stem = name[..^extension.Length];
        for (var n = 2; ; n++)
        {
            var candidate = $"{stem} ({n}){extension}";
            if (_taken.Add(candidate)) return candidate;
        }
    }
}

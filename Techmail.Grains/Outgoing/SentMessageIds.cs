using MimeKit;
using MimeKit.Utils;

namespace Techmail.Outgoing;

/// <summary>
/// Message-IDs as the outbox records them and bounce tying looks them up: without angle brackets and lower case,
/// since relays and report writers are known to change the case of what they copy back.
/// </summary>
public static class SentMessageIds
{
    /// <summary>The normalised form of one id as written in a header (with or without angle brackets); null when blank.</summary>
    public static string? Normalize(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return null;
        var trimmed = id.Trim().Trim('<', '>').Trim();
        return trimmed.Length == 0 ? null : trimmed.ToLowerInvariant();
    }

    /// <summary>The Message-ID of a composed message, from its header block only; null when it has none.</summary>
    public static string? Of(byte[] raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            var headers = HeaderList.Load(stream);
            return headers[HeaderId.MessageId] is { } value ? Normalize(MimeUtils.EnumerateReferences(value).FirstOrDefault() ?? value) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

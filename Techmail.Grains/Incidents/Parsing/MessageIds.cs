using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Techmail.Incidents.Parsing;

/// <summary>Message-ID, In-Reply-To and References, each id written in angle brackets as it goes on the wire.</summary>
internal static class MessageIds
{
    public const string SyntheticDomain = "techmail.invalid";

    /// <summary>
    /// The first usable Message-ID (some gateways add a second one, the first is the sender's); when there is none,
    /// one made from the message key, so every read of the same message gives the same id and replies can thread.
    /// </summary>
    public static (string Id, bool Synthetic) Choose(HeaderList headers, string messageKey, byte[] raw)
    {
        foreach (var header in headers)
        {
            if (header.Id != HeaderId.MessageId) continue;
            var id = Usable(HeaderText.Value(header));
            if (id is not null) return (id, false);
        }
        return (Synthetic(messageKey, raw), true);
    }

    /// <summary>The first id in the first In-Reply-To that holds one.</summary>
    public static string? InReplyTo(HeaderList headers) =>
        IdsIn(headers, HeaderId.InReplyTo).FirstOrDefault();

    public static IReadOnlyList<string> References(HeaderList headers) =>
        IdsIn(headers, HeaderId.References).Distinct(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> IdsIn(HeaderList headers, HeaderId headerId)
    {
        foreach (var header in headers)
        {
            if (header.Id != headerId) continue;
            var value = HeaderText.Value(header);
            var ids = new List<string>();
            try
            {
                foreach (var id in MimeUtils.EnumerateReferences(value))
                    if (Bracketed(id) is { } usable) ids.Add(usable);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                // A reference list that cannot be read only costs threading; the ids found before the damage stay.
            }
            foreach (var id in ids) yield return id;
        }
    }

    /// <summary>
    /// The id of a Message-ID value: what is in angle brackets, or, for the unbracketed ids some programs write, the
    /// whole value when it is one word with an '@' (so a line of prose is not taken for an id).
    /// </summary>
    private static string? Usable(string value)
    {
        var open = value.IndexOf('<');
        var close = open < 0 ? -1 : value.IndexOf('>', open + 1);
        if (open >= 0 && close > open) return Bracketed(value[(open + 1)..close]);
        var bare = value.Trim();
        return bare.Contains('@') ? Bracketed(bare) : null;
    }

    /// <summary>The id in angle brackets, or null when it is empty, has white space, or is too long to be real.</summary>
    private static string? Bracketed(string id)
    {
        var bare = id.Trim();
        if (bare.Length is 0 or > 900) return null;
        foreach (var c in bare)
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>')
                return null;
        return "<" + bare + ">";
    }

    private static string Synthetic(string messageKey, byte[] raw)
    {
        // The key is a hex digest already; anything else is cut down to characters that are safe in an id.
        var prefix = new StringBuilder();
        foreach (var c in messageKey)
        {
            if (prefix.Length == 32) break;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') prefix.Append(c);
        }
        if (prefix.Length == 0)
            prefix.Append(Convert.ToHexStringLower(SHA256.HashData(raw).AsSpan(0, 16)));
        return $"<{prefix}@{SyntheticDomain}>";
    }
}

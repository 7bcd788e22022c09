using MimeKit;

namespace Techmail.Mailboxes;

/// <summary>Strict checks for the addresses an admin types: one mailbox, a local part and a dotted domain.</summary>
public static class EmailAddress
{
    public static bool TryNormalize(string? text, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrWhiteSpace(text) || text.Contains('\n') || text.Contains('\r'))
        {
            return false;
        }

        if (!MailboxAddress.TryParse(ParserOptions.Default, text.Trim(), out var parsed))
        {
            return false;
        }

        var address = parsed.Address;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return false;
        }

        var domain = address[(at + 1)..];
        if (!IsHostName(domain) || !domain.Contains('.'))
        {
            return false;
        }

        normalized = address[..at] + "@" + domain.ToLowerInvariant();
        return true;
    }

    public static bool IsValid(string? text) => TryNormalize(text, out _);

    public static bool IsHostName(string? host) =>
        !string.IsNullOrWhiteSpace(host)
        && host.Length <= 253
        && Uri.CheckHostName(host.Trim()) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;
}

using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>Turning address headers into <see cref="CustomerAddress"/>es, tolerating what MimeKit could not parse.</summary>
internal static partial class AddressReading
{
    /// <summary>
    /// The first usable mailbox of the header: from MimeKit's parse when it found one, otherwise the first thing in
    /// the header text that looks like an address (broken quoting and stray brackets make MimeKit give up on
    /// headers whose address is still plain to see).
    /// </summary>
    public static CustomerAddress? First(MimeMessage message, HeaderId id)
    {
        foreach (var address in Parsed(message, id))
            return address;
        foreach (var header in message.Headers)
        {
            if (header.Id != id) continue;
            var found = Scan(HeaderText.Value(header));
            if (found is not null) return found;
        }
        return null;
    }

    /// <summary>Every usable mailbox of the header, group members included, each address once.</summary>
    public static IReadOnlyList<CustomerAddress> All(MimeMessage message, HeaderId id)
    {
        var addresses = new List<CustomerAddress>();
        foreach (var address in Parsed(message, id))
            if (!addresses.Exists(a => a.LookupKey == address.LookupKey))
                addresses.Add(address);
        return addresses;
    }

    /// <summary>The address in text like "&lt;bounce@example.com&gt;" or "Bob bob@example.com"; null for "&lt;&gt;".</summary>
    public static CustomerAddress? Scan(string text)
    {
        foreach (Match match in AddressLike().Matches(text))
        {
            var address = Normalize(match.Value, null);
            if (address is not null) return address;
        }
        return null;
    }

    /// <summary>
    /// Null when the address cannot be written to: it needs a local part, one '@' and a domain, and no white space
    /// outside a quoted local part.
    /// </summary>
    public static CustomerAddress? Normalize(string? address, string? displayName)
    {
        if (string.IsNullOrWhiteSpace(address)) return null;
        var trimmed = address.Trim().Trim('<', '>').Trim();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1) return null;

        var local = trimmed[..at];
        var domain = trimmed[(at + 1)..].TrimEnd('.').ToLowerInvariant();
        if (domain.Length == 0 || domain.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '@' or ',' or ';'))
            return null;
        var quoted = local.Length >= 2 && local[0] == '"' && local[^1] == '"';
        if (local.Any(char.IsControl) || (!quoted && local.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or ',' or ';')))
            return null;

        var normalized = local + "@" + domain;
        // The key contacts and address grains use, so a customer and a bounce about them meet on one contact.
        return new CustomerAddress(normalized, HeaderText.OneLine(displayName), Techmail.Bounces.AddressKey.Normalize(normalized));
    }

    private static IEnumerable<CustomerAddress> Parsed(MimeMessage message, HeaderId id)
    {
        var list = id switch
        {
            HeaderId.ReplyTo => message.ReplyTo,
            HeaderId.From => message.From,
            HeaderId.Sender => message.Sender is { } sender ? new InternetAddressList([sender]) : [],
            HeaderId.To => message.To,
            HeaderId.Cc => message.Cc,
            _ => [],
        };
        foreach (var mailbox in list.Mailboxes)
        {
            var address = Normalize(mailbox.Address, mailbox.Name);
            if (address is not null) yield return address;
        }
    }

    // Loose on purpose: only used on headers MimeKit could not parse, and Normalize rejects what is not an address.
    [GeneratedRegex(@"[^\s<>()\[\],;:""@]+@[^\s<>()\[\],;:""@]+")]
    private static partial Regex AddressLike();
}

using System.Text;
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
    public static CustomerAddress? First(MimeMessage message, HeaderId id, Encoding? hint = null)
    {
        foreach (var address in Parsed(message, id, hint))
            return address;
        foreach (var header in message.Headers)
        {
            if (header.Id != id) continue;
            var found = Scan(HeaderText.Value(header, hint));
            if (found is not null) return found;
        }
        return null;
    }

    /// <summary>
    /// A mailbox without a domain, as MTAs write their own bounces ("From: MAILER-DAEMON (Mail Delivery System)"): the
    /// first mailbox of the header whose address is a bare local part, with its display name or, lacking one, its
    /// comment. Null when the header has a full address (see <see cref="First"/>) or nothing that reads as a name.
    /// </summary>
    public static CustomerAddress? Unqualified(MimeMessage message, HeaderId id, Encoding? hint = null)
    {
        foreach (var header in message.Headers)
        {
            if (header.Id != id) continue;
            var text = HeaderText.Value(header, hint);
            var match = BareMailbox().Match(text);
            if (!match.Success) continue;
            var local = match.Groups["local"].Value;
            var name = match.Groups["quoted"].Success ? match.Groups["quoted"].Value
                : match.Groups["comment"].Success ? match.Groups["comment"].Value
                : match.Groups["name"].Success ? match.Groups["name"].Value.Trim()
                : "";
            return new CustomerAddress(local, HeaderText.OneLine(name), local.ToLowerInvariant());
        }
        return null;
    }

    /// <summary>Whether the header is there but names no address at all: empty, "&lt;&gt;", or only a display name.</summary>
    public static bool IsEmptyAddress(MimeMessage message, HeaderId id)
    {
        var present = false;
        foreach (var header in message.Headers)
        {
            if (header.Id != id) continue;
            present = true;
            var text = HeaderText.Value(header);
            if (text.Contains('@') || BareMailbox().IsMatch(text)) return false;
        }
        return present;
    }

    /// <summary>The display name a header gives without any address ("Name" &lt;&gt;), "" when none.</summary>
    public static string NameWithoutAddress(MimeMessage message, HeaderId id, Encoding? hint = null)
    {
        foreach (var header in message.Headers)
        {
            if (header.Id != id) continue;
            var text = HeaderText.Value(header, hint).Replace("<>", "").Trim().Trim('"').Trim();
            return text;
        }
        return "";
    }

    /// <summary>Every usable mailbox of the header, group members included, each address once.</summary>
    public static IReadOnlyList<CustomerAddress> All(MimeMessage message, HeaderId id, Encoding? hint = null)
    {
        var addresses = new List<CustomerAddress>();
        foreach (var address in Parsed(message, id, hint))
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

    private static IEnumerable<CustomerAddress> Parsed(MimeMessage message, HeaderId id, Encoding? hint)
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
        var mailboxes = list.Mailboxes.ToList();
        var repairedName = mailboxes.Count == 1 ? RepairedName(message, id, mailboxes[0].Address, hint) : null;
        foreach (var mailbox in mailboxes)
        {
            var address = Normalize(mailbox.Address, repairedName ?? mailbox.Name);
            if (address is not null) yield return address;
        }
    }

    /// <summary>
    /// The display name of a one-mailbox header whose charset label was wrong, read from the repaired header text
    /// (<see cref="HeaderRepair"/>); null when nothing was repaired. The address itself always comes from MimeKit's
    /// parse of the header as sent: the repaired text only names it, so no decoded name can smuggle in an address.
    /// </summary>
    private static string? RepairedName(MimeMessage message, HeaderId id, string address, Encoding? hint)
    {
        foreach (var header in message.Headers)
        {
            if (header.Id != id) continue;
            if (HeaderRepair.Value(header, hint) is not { } repaired) return null;
            var bracketed = "<" + address + ">";
            var at = repaired.IndexOf(bracketed, StringComparison.OrdinalIgnoreCase);
            if (at < 0 || repaired.IndexOf(bracketed, at + 1, StringComparison.OrdinalIgnoreCase) >= 0) return null;
            var name = repaired[..at].Trim();
            if (name.Length >= 2 && name[0] == '"' && name[^1] == '"') name = name[1..^1].Replace("\\\"", "\"");
            return name;
        }
        return null;
    }

    // A bare local part (letters, digits, . _ + -) alone, in angle brackets after a name, or followed by a comment.
    // Anchored at both ends so a sentence or an address with a domain never reads as one.
    [GeneratedRegex(@"^\s*(?:(?:""(?<quoted>[^""]*)""|(?<name>[^<>""@()]*?))\s*<(?<local>[A-Za-z0-9][A-Za-z0-9._+-]*)>|(?<local>[A-Za-z0-9][A-Za-z0-9._+-]*)(?:\s*\((?<comment>[^()]*)\))?)\s*$")]
    private static partial Regex BareMailbox();

    // Loose on purpose: only used on headers MimeKit could not parse, and Normalize rejects what is not an address.
    [GeneratedRegex(@"[^\s<>()\[\],;:""@]+@[^\s<>()\[\],;:""@]+")]
    private static partial Regex AddressLike();
}

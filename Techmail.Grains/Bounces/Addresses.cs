using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>Finding and comparing mail addresses in report text.</summary>
internal static partial class Addresses
{
    // Deliberately looser than RFC 5322 (reports quote addresses in odd ways) but tight on the domain,
    // which must have a dot so "user@localhost"-style MTA ids and "id@host" message-ids are filtered later.
    [GeneratedRegex(@"(?<![\w.+\-=/])([A-Za-z0-9!#$%&'*+/=?^_`{|}~\-](?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]*[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-])?@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63})(?![\w\-])")]
    public static partial Regex Address();

    public static string Normalize(string address) => address.Trim().Trim('<', '>', '"', '\'', '.', ',', ';', ':').ToLowerInvariant();

    public static void AddAll(HashSet<string> set, InternetAddressList? list)
    {
        if (list is null) return;
        foreach (var mailbox in list.Mailboxes)
            if (!string.IsNullOrEmpty(mailbox.Address))
                set.Add(Normalize(mailbox.Address));
    }

    public static string? First(InternetAddressList? list)
    {
        if (list is null) return null;
        foreach (var mailbox in list.Mailboxes)
            if (!string.IsNullOrEmpty(mailbox.Address))
                return mailbox.Address;
        return null;
    }

    public static string? FromHeaderValue(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var match = Address().Match(value);
        return match.Success ? match.Groups[1].Value : null;
    }
}

using System.Text.RegularExpressions;

namespace Techmail.Mailboxes;

/// <summary>The grain key of a mailbox, "{tenant}/{mailbox}". Kept short because the reminder table limits grain ids.</summary>
public static partial class MailboxKey
{
    public const int MaxNameLength = 64;

    public static string For(string tenant, string mailbox) => $"{tenant}/{mailbox}";

    public static (string Tenant, string Mailbox) Parse(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
        {
            throw new ArgumentException($"'{key}' is not a mailbox key of the form tenant/mailbox.", nameof(key));
        }

        return (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>Names are letters, digits, '.', '_' and '-' so they are safe in keys, file names and shells.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}

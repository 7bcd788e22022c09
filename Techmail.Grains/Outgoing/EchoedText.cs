using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Techmail.Outgoing;

/// <summary>
/// What an automatic answer may repeat of a stranger's words (the subject, the display name): short, on one line, with
/// nothing invisible and nothing a mail client would make a link of. An acknowledgement goes to whatever address the
/// mail named, signed by the helpdesk; echoed whole, it would carry anyone's phishing text under the helpdesk's name.
/// </summary>
public static partial class EchoedText
{
    /// <summary>The longest subject an acknowledgement repeats, in characters as a reader counts them.</summary>
    public const int SubjectLength = 80;

    /// <summary>The longest display name an acknowledgement greets.</summary>
    public const int NameLength = 40;

    public const string LinkRemoved = "[link removed]";

    private const string Ellipsis = "…";

    /// <summary>
    /// <paramref name="text"/> without control and format characters (bidirectional overrides, zero-width ones), its
    /// white space collapsed, every link-like word replaced by <see cref="LinkRemoved"/>, and cut to
    /// <paramref name="maxLength"/> characters (whole grapheme clusters) ending in an ellipsis when it was longer.
    /// </summary>
    public static string Clean(string? text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var words = new List<string>();
        foreach (var word in Visible(text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            words.Add(IsLinkLike(word) ? LinkRemoved : word);
        }

        return Cut(string.Join(' ', words), maxLength);
    }

    /// <summary>
    /// Whether a mail client could turn the word into a link: a scheme (http:, mailto:, any "x://"), "www.", an address,
    /// or a bare host name (labels joined by dots, the last of two or more letters, a path allowed). The last catches
    /// file names such as report.pdf too; telling them from host names needs the list of top-level domains, and an
    /// acknowledgement loses little by not repeating one.
    /// </summary>
    public static bool IsLinkLike(string word)
    {
        var core = word.Trim(TrimmedPunctuation);
        // Full-width and ideographic dots are dots to the clients that linkify host names.
        core = core.Replace('\u3002', '.').Replace('\uFF0E', '.').Replace('\uFF61', '.');
        return core.Contains("://", StringComparison.Ordinal)
            || core.StartsWith("www.", StringComparison.OrdinalIgnoreCase)
            || Scheme().IsMatch(core)
            || AddressLike().IsMatch(core)
            || HostLike().IsMatch(core);
    }

    private static readonly char[] TrimmedPunctuation = ['(', ')', '[', ']', '<', '>', '"', '\'', ',', '.', '!', '?', ':', ';', '«', '»', '“', '”', '‘', '’'];

    private static string Visible(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsWhiteSpace(c) || category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                result.Append(' ');
            }
            else if (category is not (UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned))
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private static string Cut(string text, int maxLength)
    {
        // Counted in grapheme clusters, so an emoji or a letter with its accents is never cut in two.
        var (index, count, keep) = (0, 0, 0);
        while (index < text.Length)
        {
            if (count == maxLength - 1)
            {
                keep = index;
            }

            index += StringInfo.GetNextTextElementLength(text, index);
            count++;
        }

        // maxLength - 1 characters and the ellipsis; a space left before it goes.
        return count <= maxLength ? text : text[..keep].TrimEnd() + Ellipsis;
    }

    [GeneratedRegex(@"^(https?|ftp|file|mailto|data|javascript|tel|sms|news|irc|ssh|ldap):", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex AddressLike();

    [GeneratedRegex(@"^[\p{L}\p{N}_-]+(\.[\p{L}\p{N}_-]+)*\.\p{L}{2,}\.?(:\d+)?([/?#].*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostLike();
}

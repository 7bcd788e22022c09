using System.Net;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>Just enough HTML-to-text for reports that only come as HTML (some hosted providers).</summary>
internal static partial class HtmlText
{
    public static string Strip(string html)
    {
        var noScript = ScriptOrStyle().Replace(html, " ");
        var withBreaks = BlockTag().Replace(noScript, "\n");
        var text = AnyTag().Replace(withBreaks, " ");
        return WebUtility.HtmlDecode(text);
    }

    [GeneratedRegex(@"<(script|style)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex AnyTag();
}

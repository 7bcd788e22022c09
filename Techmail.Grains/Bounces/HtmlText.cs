using System.Net;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>Just enough HTML-to-text for reports that only come as HTML (some hosted providers).</summary>
internal static class HtmlText
{
    public static string Strip(string html)
    {
        var noScript = ScriptOrStyle().Replace(html, " ");
        var withBreaks = BlockTag().Replace(noScript, "\n");
        var text = AnyTag().Replace(withBreaks, " ");
        return WebUtility.HtmlDecode(text);
    }

    private static Regex ScriptOrStyle() => _scriptOrStyle ??= new(@"<(script|style)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.Compiled);
    private static Regex? _scriptOrStyle;

    private static Regex BlockTag() => _blockTag ??= new(@"<(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static Regex? _blockTag;

    private static Regex AnyTag() => _anyTag ??= new(@"<[^>]*>", RegexOptions.Compiled);
    private static Regex? _anyTag;
}

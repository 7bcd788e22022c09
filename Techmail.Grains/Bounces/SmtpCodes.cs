using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>Finding RFC 3463 enhanced status codes and RFC 5321 reply codes in free diagnostic text.</summary>
internal static class SmtpCodes
{
    /// <summary>
    /// The first plausible enhanced status code. Class must be 2, 4 or 5, and the code must not be part of a
    /// dotted IP address or version number, which is why the neighbours are checked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? FindStatus(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        string? generic = null;
        foreach (Match match in EnhancedStatus().EnumerateMatchesAsMatches(text))
        {
            var code = match.Groups[1].Value;
            // Prefer a specific code over an "x.0.0" placeholder that often precedes the real one.
            if (!IsGeneric(code)) return code;
            generic ??= code;
        }
        return generic;
    }

    public static bool IsGeneric(string? status) =>
        status is null || status.EndsWith(".0.0", StringComparison.Ordinal) || status.Length < 5;

    /// <summary>The first SMTP reply code in the text (a 4xx/5xx/2xx number standing as a reply).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? FindReplyCode(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var match = ReplyCode().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>
    /// A best-effort enhanced status when the report gives only a reply code; the mapping follows the
    /// meanings RFC 5321 gives the reply codes.
    /// </summary>
    public static string? StatusFromReplyCode(string? reply) => reply switch
    {
        null => null,
        "250" or "251" or "252" => "2.0.0",
        "421" => "4.3.0",
        "450" => "4.2.0",
        "451" => "4.3.0",
        "452" => "4.3.1",
        "454" => "4.7.0",
        "500" or "501" or "502" or "503" or "504" => "5.5." + reply[2],
        "521" => "5.3.2",
        "523" => "5.3.4",
        "530" or "535" => "5.7.0",
        "550" => "5.0.0",
        "551" => "5.1.6",
        "552" => "5.2.2",
        "553" => "5.1.3",
        "554" => "5.0.0",
        "556" => "5.1.10",
        _ when reply[0] == '4' => "4.0.0",
        _ when reply[0] == '5' => "5.0.0",
        _ => null,
    };

    /// <summary>
    /// A relay that reports a remote refusal in its own words first ("5.1.0 - Unknown address error 550-'5.7.1 ...
    /// Access denied'") wraps the remote server's reply in quotes. The relay's leading status and words are its
    /// guess; the quoted reply is the server's own answer, so that is the text to judge. Null when there is no such
    /// wrapper.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? QuotedRemoteReply(string? text)
    {
        if (text is null || text.Length < 12 || text[0] is not ('4' or '5') || text.IndexOf('\'') < 0) return null;
        var match = QuotedReply().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string StripContinuations(string text)
    {
        var first = ReplyCode().Match(text);
        if (!first.Success) return text;
        var start = first.Index + first.Length;
        return string.Concat(text.AsSpan(0, start), Continuation().Replace(text[start..], " "));
    }

    private static Regex Continuation() => _continuation ??= new(@"\s[245]\d\d[- ](?:#?[245]\.\d{1,3}\.\d{1,3}\s+)?(?=\S)", RegexOptions.Compiled);
    private static Regex? _continuation;

    private static Regex QuotedReply() => _quotedReply ??= new(@"^[45]\.\d{1,3}\.\d{1,3}\s+-\s+[^']*?\s([45]\d\d[- ]'?[45]\.\d{1,3}\.\d{1,3}\b[^']*)'", RegexOptions.Compiled);
    private static Regex? _quotedReply;

    private static Regex EnhancedStatus() => _enhancedStatus ??= new(@"(?<![\d.])#?([245]\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)", RegexOptions.Compiled);
    private static Regex? _enhancedStatus;

    private static Regex ReplyCode() => _replyCode ??= new(@"(?:^|[\s:;'""(\[<>=])([245][0-5]\d)(?=[\s\-.'""]|$)(?!\.\d)(?!\s*(?:ms|seconds|secs|bytes|KB|MB)\b)", RegexOptions.Multiline | RegexOptions.Compiled);
    private static Regex? _replyCode;
}

internal static class RegexExtensions
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IEnumerable<Match> EnumerateMatchesAsMatches(this Regex regex, string text)
    {
        for (var match = regex.Match(text); match.Success; match = match.NextMatch())
            yield return match;
    }
}

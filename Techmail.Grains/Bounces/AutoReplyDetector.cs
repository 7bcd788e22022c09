using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>
/// RFC 3834 automatic responses (vacation/out-of-office). The header is the standard signal; the
/// vendor headers and subject prefixes cover responders that predate or ignore it.
/// </summary>
internal static class AutoReplyDetector
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsAutoReply(MimeMessage message)
    {
        var headers = message.Headers;
        var autoSubmitted = headers["Auto-Submitted"];
        if (autoSubmitted is not null && autoSubmitted.Trim().StartsWith("auto-replied", StringComparison.OrdinalIgnoreCase))
            return true;
        if (headers.Contains("X-Autoreply") || headers.Contains("X-Autorespond") || headers.Contains("X-Vacation"))
            return true;
        var precedence = headers["Precedence"];
        if (precedence is not null && precedence.Contains("auto_reply", StringComparison.OrdinalIgnoreCase))
            return true;
        return message.Subject is { } subject && VacationSubject().IsMatch(subject);
    }

    private static Regex VacationSubject() => _vacationSubject ??= new(@"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|away from (?:the )?office|on vacation|vacation|abwesenheit|r[eé]ponse automatique|auto:|\[auto(?:reply|response)\])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private static Regex? _vacationSubject;
}

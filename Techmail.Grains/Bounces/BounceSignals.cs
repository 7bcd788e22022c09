using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>Envelope and header hints that a message was produced by a mail system about a failed delivery.</summary>
internal static partial class BounceSignals
{
    public static bool FromMailSystem(MimeMessage message)
    {
        var from = message.From?.ToString() ?? "";
        if (MailSystemSender().IsMatch(from)) return true;
        var returnPath = message.Headers["Return-Path"];
        return returnPath is not null && returnPath.Trim() is "<>" or "" ;
    }

    public static bool SenderIsMailSystem(MimeMessage message) => MailSystemSender().IsMatch(message.From?.ToString() ?? "");

    public static bool BounceSubject(string? subject) => subject is not null && BounceSubjectPattern().IsMatch(subject);

    [GeneratedRegex(@"mailer[-_]?daemon|postmaster|mail ?delivery|delivery ?(?:subsystem|system)|mail\.delivery|ndr|mail ?administrator|system administrator|bounce", RegexOptions.IgnoreCase)]
    private static partial Regex MailSystemSender();

    [GeneratedRegex(@"undeliver|not (?:be )?delivered|delivery (?:status|failure|failed|notification|problem|report|error|has failed)|returned mail|return(?:ed)? to sender|failure notice|mail delivery|non[- ]?delivery|delivery failure|failed delivery|mail system error|could not send|delayed mail|mail (?:was )?not delivered|rejected|nicht zustellbar|non remis|no entregado|error sending|returning message|failed mail|loop alert", RegexOptions.IgnoreCase)]
    private static partial Regex BounceSubjectPattern();
}

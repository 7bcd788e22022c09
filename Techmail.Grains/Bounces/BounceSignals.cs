using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>Envelope and header hints that a message was produced by a mail system about a failed delivery.</summary>
internal static class BounceSignals
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool FromMailSystem(MimeMessage message)
    {
        if (SenderIsMailSystem(message)) return true;
        var returnPath = Addresses.RawHeader(message.Headers, "Return-Path");
        return returnPath is not null && returnPath.Trim() is "<>" or "";
    }

    public static bool SenderIsMailSystem(MimeMessage message) =>
        Addresses.RawHeader(message.Headers, "From") is { } from && MailSystemSender().IsMatch(from);

    public static bool BounceSubject(string? subject) => subject is not null && BounceSubjectPattern().IsMatch(subject);

    private static Regex MailSystemSender() => _mailSystemSender ??= new(@"mailer[-_]?daemon|post[-_.]?master|mail ?delivery|delivery ?(?:subsystem|system)|mail\.delivery|ndr|mail ?administrator|system administrator|bounce", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static Regex? _mailSystemSender;

    private static Regex BounceSubjectPattern() => _bounceSubjectPattern ??= new(@"undeliver|not (?:be )?delivered|delivery (?:status|failure|failed|notification|problem|report|error|has failed)|returned mail|return(?:ed)? to sender|failure notice|mail delivery|non[- ]?delivery|delivery failure|failed delivery|mail system error|could not send|delayed mail|mail (?:was )?not delivered|rejected|nicht zustellbar|non remis|no entregado|error sending|returning message|failed mail|loop alert", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static Regex? _bounceSubjectPattern;
}

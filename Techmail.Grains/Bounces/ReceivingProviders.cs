using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>
/// Large receiving providers whose refusals carry their own codes or wording with a documented meaning that the
/// generic rules would misread. Only a provider's own marks are trusted here: a code printed in its replies, or
/// its domains as the recipient's domain or as the host that answered.
/// </summary>
internal static class ReceivingProviders
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static BounceReason? Reason(string address, string? diagnostic, string? status, LazyStage stage, Func<string?> context)
    {
        if (string.IsNullOrEmpty(diagnostic)) return null;
        if (ProviderDirectoryVerdicts.Says(diagnostic)) return BounceReason.UserUnknown;
        if (diagnostic.Contains("LPN", StringComparison.Ordinal) || diagnostic.Contains("OFR", StringComparison.OrdinalIgnoreCase)
            || diagnostic.Contains("OUK", StringComparison.Ordinal))
        {
            if (OrangeCode().Match(diagnostic) is { Success: true } code && FromOrangeCode(code.Groups[1].ValueSpan) is { } orange)
                return orange;
        }
        if (diagnostic.Contains("AUP#", StringComparison.OrdinalIgnoreCase) && CoxCode().Match(diagnostic) is { Success: true } cox)
            return FromCoxCode(cox.Groups[1].Value.ToUpperInvariant());
        var domain = Domain(address);
        if (IsKddi(domain))
        {
            // au by KDDI answers its subscribers' own reception filters with an empty address ("550 : User unknown")
            // and a truly unknown address with the address named ("550 <x@ezweb.ne.jp>: User unknown").
            if (diagnostic.Contains(" : user unknown", StringComparison.OrdinalIgnoreCase)) return BounceReason.Filtered;
            if (diagnostic.Contains(">: user unknown", StringComparison.OrdinalIgnoreCase)) return BounceReason.UserUnknown;
        }
        if (diagnostic.Contains("unknown user", StringComparison.OrdinalIgnoreCase)
            && (IsDocomo(domain) || (context() is { } text && text.Contains("docomo.ne.jp", StringComparison.OrdinalIgnoreCase))))
        {
            // NTT docomo's MX says "550 Unknown user" for every refusal: at RCPT it is the address, after the message
            // it is the subscriber's setting that refuses the sender's domain, and under 5.2.0 its content filter.
            if (status == "5.2.0") return BounceReason.Filtered;
            return stage.Value switch
            {
                SmtpStage.RcptTo => BounceReason.UserUnknown,
                SmtpStage.Data => BounceReason.Rejected,
                _ => null,
            };
        }
        if (MessageLabsUnknownRecipient(diagnostic) && context() is { } report && report.Contains("messagelabs", StringComparison.OrdinalIgnoreCase))
            // Symantec/Broadcom Email Security.cloud documents these relayed answers as invalid recipients.
            return BounceReason.UserUnknown;
        // Yahoo's own directory answer, which names its own domain, is an address verdict whatever the stage.
        if (diagnostic.Contains(" account", StringComparison.OrdinalIgnoreCase) && YahooNoAccount().IsMatch(diagnostic)) return BounceReason.UserUnknown;
        return null;
    }

    private static bool MessageLabsUnknownRecipient(string diagnostic) =>
        diagnostic.Contains("no such user", StringComparison.OrdinalIgnoreCase)
        || diagnostic.Contains("invalid recipient", StringComparison.OrdinalIgnoreCase)
        || diagnostic.Contains("mailbox is not allowed", StringComparison.OrdinalIgnoreCase);

    private static string Domain(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..];
    }

    private static bool IsKddi(string domain) =>
        domain.Equals("ezweb.ne.jp", StringComparison.OrdinalIgnoreCase) || domain.EndsWith(".ezweb.ne.jp", StringComparison.OrdinalIgnoreCase)
        || domain.Equals("au.com", StringComparison.OrdinalIgnoreCase);

    private static bool IsDocomo(string domain) =>
        domain.Equals("docomo.ne.jp", StringComparison.OrdinalIgnoreCase) || domain.EndsWith(".docomo.ne.jp", StringComparison.OrdinalIgnoreCase);

    /// <summary>Orange and La Poste (France) end each refusal with a label and a three-digit code, e.g. "LPN007_416", "OFR_506".</summary>
    private static BounceReason? FromOrangeCode(ReadOnlySpan<char> code) => code switch
    {
        "101" or "102" or "103" or "107" or "108" or "109" or "510" or "999" => BounceReason.Blocked, // sending IP refused or listed
        "104" => BounceReason.TooManyConn,
        "305" or "402" => BounceReason.SecurityError, // authentication required or invalid
        "401" or "517" => BounceReason.AuthFailure, // SPF, DMARC
        "403" or "405" or "415" or "421" => BounceReason.Rejected, // invalid sender
        "416" => BounceReason.UserUnknown,
        "417" => BounceReason.MailboxFull,
        "420" or "426" => BounceReason.Suspend, // archived or blocked recipient account
        "505" => BounceReason.SystemError,
        "506" => BounceReason.SpamDetected,
        "514" => BounceReason.MesgTooBig,
        "630" => BounceReason.PolicyViolation,
        _ => null,
    };

    /// <summary>Cox Communications' published acceptable-use codes ("AUP#CDRBL").</summary>
    private static BounceReason? FromCoxCode(string code) => code switch
    {
        "CDRBL" or "CXBL" or "BL" or "IPBL" or "DNSBL" or "PRBL" => BounceReason.Blocked,
        "CXCNCT" => BounceReason.TooManyConn,
        "CXDNS" or "RDNS" => BounceReason.RequirePtr,
        _ => null,
    };

    private static Regex OrangeCode() => _orangeCode ??= new(@"\b(?:LPN|LPNAAA|OFR|OUK)\d*_(\d{3})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private static Regex? _orangeCode;

    private static Regex CoxCode() => _coxCode ??= new(@"AUP#([A-Z]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private static Regex? _coxCode;

    private static Regex YahooNoAccount() => _yahooNoAccount ??= new(@"doesn'?t have an? (?:yahoo|ymail|rocketmail)\.[a-z.]+ account", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private static Regex? _yahooNoAccount;
}

using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>
/// Families of wording MTAs use for each failure, in priority order: a message often says several things
/// ("blocked ... to protect our users from spam"), and the more specific cause must win over the generic one.
/// </summary>
internal static partial class PhraseRules
{
    private static readonly (BounceReason Reason, Regex Pattern)[] Ordered =
    [
        (BounceReason.NotCompliantRfc, NotCompliantRfc()),
        (BounceReason.VirusDetected, Virus()),
        (BounceReason.SpamDetected, StrongSpam()),
        (BounceReason.AuthFailure, AuthFailure()),
        (BounceReason.RequirePtr, RequirePtr()),
        (BounceReason.FailedStartTls, FailedStartTls()),
        (BounceReason.BadReputation, BadReputation()),
        (BounceReason.TooManyConn, TooManyConn()),
        (BounceReason.Speeding, Speeding()),
        (BounceReason.NoRelaying, NoRelaying()),
        (BounceReason.SecurityError, SecurityError()),
        (BounceReason.Blocked, Blocked()),
        (BounceReason.PolicyViolation, PolicyViolation()),
        (BounceReason.SpamDetected, Spam()),
        (BounceReason.ContentError, ContentError()),
        (BounceReason.ExceedLimit, ExceedLimit()),
        (BounceReason.MesgTooBig, MesgTooBig()),
        (BounceReason.MailboxFull, MailboxFull()),
        (BounceReason.Suspend, Suspend()),
        (BounceReason.HasMoved, HasMoved()),
        (BounceReason.NotAccept, NotAccept()),
        (BounceReason.Rejected, SenderRejected()),
        (BounceReason.HostUnknown, HostUnknown()),
        (BounceReason.UserUnknown, UserUnknown()),
        (BounceReason.NetworkError, NetworkError()),
        (BounceReason.Expired, Expired()),
        (BounceReason.SystemFull, SystemFull()),
        (BounceReason.MailerError, MailerError()),
        (BounceReason.SyntaxError, SyntaxError()),
        (BounceReason.Filtered, Filtered()),
    ];

    // Generic wording that names a cause only when neither a specific phrase nor a specific status code does.
    private static readonly (BounceReason Reason, Regex Pattern)[] Weak =
    [
        (BounceReason.UserUnknown, WeakUserUnknown()),
        (BounceReason.SystemError, SystemError()),
        (BounceReason.Rejected, Rejected()),
    ];

    public static BounceReason? Match(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        foreach (var (reason, pattern) in Ordered)
            if (pattern.IsMatch(text))
                return reason;
        return null;
    }

    public static BounceReason? MatchWeak(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        foreach (var (reason, pattern) in Weak)
            if (pattern.IsMatch(text))
                return reason;
        return null;
    }

    public static bool SaysUserUnknown(string text) => UserUnknown().IsMatch(text);

    public static bool SaysMailboxFull(string text) => MailboxFull().IsMatch(text);

    private const RegexOptions Opts = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    [GeneratedRegex(@"\bvirus|malware|\binfected\b|\bworm\b|trojan", Opts)]
    private static partial Regex Virus();

    [GeneratedRegex(@"\bDMARC\b|\bSPF\b.{0,40}(?:fail|check|validat|record|policy|softfail)|(?:fail|pass)\w*\s+(?:the\s+)?SPF|\bDKIM\b.{0,40}(?:fail|signature|invalid|missing|valid)|authenticate with (?:either )?SPF|unauthenticated (?:e-?mail|message)|sender is unauthenticated|does not have authentication information|authentication checks|\b5\.7\.(?:2[0-46]|29)\b", Opts)]
    private static partial Regex AuthFailure();

    [GeneratedRegex(@"reverse (?:DNS|lookup|name)|\bPTR\b|\brDNS\b|IP name lookup failed|(?:can ?not|could not|unable to) (?:find|resolve|lookup|look up) (?:your )?(?:host ?name|IP)|client host name|mismatches client ip|hostname does not resolve|no (?:valid )?(?:host ?name|reverse)|not have a (?:valid )?reverse|\b5\.7\.25\b", Opts)]
    private static partial Regex RequirePtr();

    [GeneratedRegex(@"STARTTLS|\bTLS\b.{0,30}(?:required|failed|negotiat|handshake|mandatory)|(?:requires?|must use)\s+(?:a\s+)?(?:secure|encrypted|TLS)|encryption (?:is )?required", Opts)]
    private static partial Regex FailedStartTls();

    [GeneratedRegex(@"not (?:\w+ )?(?:RFC|standards?)[ -]?(?:\d{3,4} )?complian|RFC ?(?:5322|2822|822|5321)|multiple (?:addresses in )?(?:From|Subject|To|Date|Message-ID|Sender)\b|multiple \S+ headers|duplicate header|missing (?:required )?(?:\w+ )?header|header (?:is )?(?:malformed|invalid)|malformed (?:\w+ )?header|bare (?:LF|line ?feed)", Opts)]
    private static partial Regex NotCompliantRfc();

    [GeneratedRegex(@"reputation|sender score|senderscore", Opts)]
    private static partial Regex BadReputation();

    [GeneratedRegex(@"too many (?:concurrent |simultaneous |open )?(?:connections|sessions)|connection (?:rate|frequency|count) (?:limit|exceeded)|connection frequency limited|connection limit|too many hosts", Opts)]
    private static partial Regex TooManyConn();

    [GeneratedRegex(@"rate limit|receiving mail at a rate|too many (?:messages|mails|emails|recipients)|(?:sending|message) rate|slow down|throttl|try again later.{0,30}(?:too many|volume)", Opts)]
    private static partial Regex Speeding();

    [GeneratedRegex(@"relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed))|not (?:permitted|allowed|authori[sz]ed|configured) to relay|unable to relay|we do not relay|no relaying|relay not permitted|cannot relay|open relay|relaying mail to .{0,40} not allowed", Opts)]
    private static partial Regex NoRelaying();

    [GeneratedRegex(@"SMTP auth|authentication (?:is )?required|must (?:be )?authenticat|unauthenticated sender|authentication failed|auth(?:entication)? (?:credentials )?invalid|sender (?:address )?not authori[sz]ed|insecure|\bcertificate\b", Opts)]
    private static partial Regex SecurityError();

    [GeneratedRegex(@"black ?list|block ?list|\bDNSBL\b|\bRBL\b|spamhaus|spamcop|barracudacentral|sorbs|banned (?:sending )?IP|client host .{0,60}rejected|blocked using|(?:ip|host|address|client|server|connection|sender|network)\s+(?:\[[^\]]*\]\s+|\S+\s+)?(?:is |was |has been )?(?:blocked|banned|refused|not allowed|denied)|(?:refused|denied|rejected) (?:due to|because of) (?:your|the) (?:ip|host)|refused to talk to me|not accepting connections|\bblocked\b\s*[-:]|(?<!not )(?:listed|blocked) (?:in|on|at|by) (?!(?:\w+ )?directory)|poor reputation|your (?:ip|host|server|network)", Opts)]
    private static partial Regex Blocked();

    [GeneratedRegex(@"polic(?:y|ies)(?! of reject)|content presents a potential|message not allowed|not allowed by|prohibited|violat", Opts)]
    private static partial Regex PolicyViolation();

    [GeneratedRegex(@"\bspam|\bUBE\b|junk mail|bulk (?:e?mail|mail)|unsolicited|message content rejected|content (?:was )?(?:rejected|blocked|filter)|classified as|spamassassin|high (?:spam )?score|looks? like", Opts)]
    private static partial Regex Spam();

    [GeneratedRegex(@"content error|headers? (?:are |is )?too (?:large|long|many)|improper use of 8-bit|8-?bit (?:data|characters?)|invalid (?:mime|content|character)|line (?:is )?too long|media type|message (?:header|body) (?:error|invalid)", Opts)]
    private static partial Regex ContentError();

    [GeneratedRegex(@"\b[45]\.2\.3\b|exceeds? (?:the )?(?:recipient'?s? |administrative |mailbox )?(?:size )?limit for (?:this|the) (?:recipient|mailbox)", Opts)]
    private static partial Regex ExceedLimit();

    [GeneratedRegex(@"(?:message|mail|e-?mail|file|attachment)s? (?:is |was )?(?:too (?:large|big|long)|size exceeds|exceeds (?:the )?(?:\w+ )?(?:size|maximum))|(?:message |mail )?size (?:limit )?exceed|exceeds? (?:the )?(?:maximum|max|fixed) (?:message )?size|too big|size limit|larger than|message length exceeds|\b5\.3\.4\b", Opts)]
    private static partial Regex MesgTooBig();

    [GeneratedRegex(@"mailbox (?:is |was )?full|mail ?box ?full|over ?quota|quota (?:exceeded|full|violation)|exceeded (?:\w+ )?(?:storage|quota)|(?:disk|storage|mailbox) quota|insufficient (?:user )?(?:storage|disk)|mailbox (?:size )?(?:limit )?exceeded|(?:mailbox|inbox) (?:has )?exceeded|(?:number|size) of messages in .{0,30}mailbox exceeded|too many messages (?:in|on) (?:the |this )?(?:mailbox|inbox)|is full\b|not enough (?:space|storage)|out of (?:mailbox )?space|\b[45]\.2\.2\b", Opts)]
    private static partial Regex MailboxFull();

    [GeneratedRegex(@"account (?:\w+ )?(?:is |has been |was )?(?:disabled|suspended|inactive|deactivated|discontinued|blocked|locked|frozen|expired|closed)|(?:disabled|inactive|suspended|deactivated) (?:recipient|account|mailbox|user)|mailbox (?:is |has been )?(?:disabled|frozen|suspended|inactive|locked|closed)|user (?:is |has been )?(?:suspended|disabled|inactive)|recipient (?:account )?(?:is )?(?:blocked|suspended|disabled)|\b5\.7\.13\b", Opts)]
    private static partial Regex Suspend();

    [GeneratedRegex(@"has moved|(?:mailbox|address|user) (?:has been )?(?:moved|changed)|no longer (?:valid|available|in use|at this|accepting mail at)|user not local;? please try|\b5\.1\.6\b", Opts)]
    private static partial Regex HasMoved();

    [GeneratedRegex(@"null ?MX|not accepting network messages|no mx record|(?:couldn't|could not|unable to) find (?:a |any )?mail exchanger|no mail exchanger|does ?n[o']t (?:accept|receive) (?:any )?e?-?mail|not accept(?:ing)? (?:any )?(?:e-?)?mail|accepts no mail|no mail (?:is )?accepted", Opts)]
    private static partial Regex NotAccept();

    [GeneratedRegex(@"sender (?:address |domain )?(?:rejected|refused|denied|invalid|verify failed|unknown|not (?:allowed|accepted))|(?:domain of|invalid|unknown|unroutable|unverified|bad|unresolvable) sender|sender (?:address )?(?:domain )?(?:does not|doesn't) exist|provide a valid from|purported responsible address|from address (?:rejected|invalid|not)|mail from (?:address )?(?:rejected|refused|invalid)|\b[45]\.1\.[78]\b", Opts)]
    private static partial Regex SenderRejected();

    [GeneratedRegex(@"(?:user|recipient|mailbox|address|account|addressee)s? (?:name )?(?:is )?(?:unknown|not (?:found|known|exist|recognized|recognised|listed|valid)|does ?n[o']t exist|invalid|unavailable|disabled or does not exist)|(?:unknown|invalid|bad|non-?existent|no such|illegal) (?:local )?(?:user|recipient|mailbox|address|account|addressee|e-?mail)|no (?:such )?(?:mailbox|user|account|recipient)(?: here| found| by that name)?|does not exist|doesn't exist|doesn't have an? .{1,60} account|not listed in|no valid recipients|user not exist|not our customer|mailbox not available|no longer exists|unrouteable address|is not a valid (?:mailbox|user|recipient)|\b[45]\.1\.1\b", Opts)]
    private static partial Regex UserUnknown();

    [GeneratedRegex(@"host (?:or domain name )?(?:not found|unknown)|host \S+ not found|unknown (?:host|domain)|(?:domain|host)(?: name)? (?:not found|does not exist|doesn't exist|is not reachable|unreachable)|no such (?:domain|host)|name or service not known|invalid domain|domain (?:is )?(?:invalid|not (?:valid|exist))|unroutable domain|domain is not reachable|\b5\.1\.2\b|\b[45]\.4\.4\b", Opts)]
    private static partial Regex HostUnknown();

    [GeneratedRegex(@"routing loop|mail loop|loop detected|too many hops|hop count|lost connection|connection (?:reset|refused|closed|dropped|lost)|network (?:is )?(?:error|unreachable)|name service error|name server|DNS (?:error|lookup|failure|problem)|temporary lookup failure|no route to host|malformed or unexpected", Opts)]
    private static partial Regex NetworkError();

    [GeneratedRegex(@"expired|time(?:d)? ?out|\bdelayed\b|not yet been delivered|requests to connect|will be retried|failed \d+ attempts|retry time|too long|giving up|given up|has been delayed|delivery (?:time )?(?:has )?expired|could not be delivered (?:with)?in|undeliverable for|no answer|unable to (?:deliver|connect).{0,40}(?:days|hours)|not delivered for", Opts)]
    private static partial Regex Expired();

    [GeneratedRegex(@"system (?:is )?full|insufficient system storage|out of (?:disk )?space|disk full|no space left", Opts)]
    private static partial Regex SystemFull();

    [GeneratedRegex(@"mailer error|\bprocmail\b|command (?:died|failed|output)|pipe to |\|\s*/|exit (?:code|status)|x-unix;|unknown mailer|mailer (?:not found|failed)", Opts)]
    private static partial Regex MailerError();

    [GeneratedRegex(@"syntax error|command (?:not recognized|unrecognized|not implemented)|(?:parameter|argument)s? not (?:implemented|recognized)|bad (?:command )?sequence|invalid command|unrecognized command|line too long", Opts)]
    private static partial Regex SyntaxError();

    [GeneratedRegex(@"system (?:error|config)|configuration error|(?:service|server) (?:is )?(?:currently |temporarily )?(?:unavailable|not available|refused|error)|internal (?:server )?error|temporary (?:server|local) (?:error|problem|failure)|local error|could not load|transaction failed|mail system problem|server (?:is )?busy|resources? (?:temporarily )?unavailable|try (?:again )?later|directory (?:server )?failure", Opts)]
    private static partial Regex SystemError();

    [GeneratedRegex(@"(?:recipient|address|user)s? (?:address )?rejected|recipient not accepted|mailbox unavailable|invalid recipient", Opts)]
    private static partial Regex WeakUserUnknown();

    [GeneratedRegex(@"spam classification|classified as spam|(?:detected|identified|marked|rejected|considered|flagged) as (?:\w+ )?spam|likely (?:to be )?spam|looks like spam|spam (?:score|content|filter|message detected)", Opts)]
    private static partial Regex StrongSpam();

    [GeneratedRegex(@"filter|rejected by (?:the )?recipient|recipient .{0,40} refus|blocked by (?:the )?recipient|not authori[sz]ed to send|refused by the recipient", Opts)]
    private static partial Regex Filtered();

    [GeneratedRegex(@"\brejected\b|\brefused\b|access denied|not accepted|\bdenied\b|\bdeclined\b", Opts)]
    private static partial Regex Rejected();
}

using System.Buffers;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>
/// Families of wording MTAs use for each failure, in priority order: a message often says several things
/// ("blocked ... to protect our users from spam"), and the more specific cause must win over the generic one.
/// </summary>
/// <remarks>
/// Running ~30 case-insensitive patterns over a whole report is what made classification slow, so every
/// pattern carries a few literal anchors: words that any match of the pattern must contain. One vectorised
/// multi-string search finds all anchors in the text, and a pattern only runs, in a window around each of its
/// anchors, when one of them occurs. The window is wide enough for every pattern here, so the result is the
/// same as running the pattern over the whole text.
/// </remarks>
internal static partial class PhraseRules
{
    private sealed class Rule(BounceReason reason, Regex pattern, string[] anchors)
    {
        public BounceReason Reason { get; } = reason;
        public Regex Pattern { get; } = pattern;
        public string[] Anchors { get; } = anchors;
        /// <summary>This rule's bit in an anchor's rule mask.</summary>
        public ulong Bit { get; set; }
    }

    private static readonly Rule[] Ordered =
    [
        new(BounceReason.NotCompliantRfc, NotCompliantRfc(), ["complian", "rfc", "multiple", "duplicate header", "missing", "header", "malformed", "bare"]),
        new(BounceReason.VirusDetected, Virus(), ["virus", "malware", "infected", "worm", "trojan"]),
        new(BounceReason.SpamDetected, StrongSpam(), ["spam"]),
        new(BounceReason.AuthFailure, AuthFailure(), ["dmarc", "spf", "dkim", "authenticat", "5.7.2"]),
        new(BounceReason.RequirePtr, RequirePtr(), ["reverse", "ptr", "rdns", "ip name lookup", "find", "resolve", "lookup", "look up", "client host", "mismatches", "no valid", "no host", "5.7.25"]),
        new(BounceReason.FailedStartTls, FailedStartTls(), ["tls", "require", "must use", "encryption"]),
        new(BounceReason.BadReputation, BadReputation(), ["reputation", "sender score", "senderscore"]),
        new(BounceReason.TooManyConn, TooManyConn(), ["too many", "connection"]),
        new(BounceReason.Speeding, Speeding(), ["rate", "too many", "slow down", "throttl", "try again later"]),
        new(BounceReason.NoRelaying, NoRelaying(), ["relay"]),
        new(BounceReason.SecurityError, SecurityError(), ["auth", "insecure", "certificate"]),
        new(BounceReason.Blocked, Blocked(), ["block", "black", "dnsbl", "rbl", "spamhaus", "spamcop", "barracudacentral", "sorbs", "banned", "client host", "refused", "not allowed", "denied", "due to", "because of", "not accepting", "listed", "reputation", "your ip", "your host", "your server", "your network"]),
        new(BounceReason.PolicyViolation, PolicyViolation(), ["polic", "content presents", "not allowed", "prohibited", "violat"]),
        new(BounceReason.SpamDetected, Spam(), ["spam", "ube", "junk mail", "bulk", "unsolicited", "content", "classified as", "high ", "look"]),
        new(BounceReason.ContentError, ContentError(), ["content", "header", "8-bit", "8bit", "invalid", "too long", "media type", "message header", "message body"]),
        new(BounceReason.ExceedLimit, ExceedLimit(), [".2.3", "limit for"]),
        new(BounceReason.MesgTooBig, MesgTooBig(), ["too large", "too big", "too long", "size", "exceeds", "larger than", "length exceeds", ".3.4"]),
        new(BounceReason.MailboxFull, MailboxFull(), ["full", "quota", "exceeded", "insufficient", "too many messages", "not enough", "out of", ".2.2"]),
        new(BounceReason.Suspend, Suspend(), ["account", "disabled", "inactive", "suspended", "deactivated", "mailbox", "user", "recipient", "5.7.13"]),
        new(BounceReason.HasMoved, HasMoved(), ["moved", "changed", "no longer", "not local", ".1.6"]),
        new(BounceReason.NotAccept, NotAccept(), ["null", "not accepting", "no mx", "mail exchanger", "accept", "receive", "no mail"]),
        new(BounceReason.Rejected, SenderRejected(), ["sender", "from address", "mail from", "purported", "valid from", ".1.7", ".1.8"]),
        new(BounceReason.HostUnknown, HostUnknown(), ["host", "domain", "name or service", ".1.2", ".4.4"]),
        new(BounceReason.UserUnknown, UserUnknown(), ["user", "recipient", "mailbox", "address", "account", "unknown", "invalid", "bad", "exist", "no such", "illegal", "have a", "listed", "customer", ".1.1"]),
        new(BounceReason.NetworkError, NetworkError(), ["loop", "hop", "connection", "network", "name serv", "dns", "lookup", "no route", "malformed or unexpected"]),
        new(BounceReason.Expired, Expired(), ["expired", "timeout", "time out", "timed out", "delayed", "not yet", "requests to connect", "retried", "attempts", "retry", "too long", "giving up", "given up", "could not be delivered", "undeliverable for", "no answer", "days", "hours", "not delivered for"]),
        new(BounceReason.SystemFull, SystemFull(), ["system", "out of", "disk full", "no space"]),
        new(BounceReason.MailerError, MailerError(), ["mailer", "procmail", "command", "pipe to", "|/", "| /", "|\t/", "exit", "x-unix"]),
        new(BounceReason.SyntaxError, SyntaxError(), ["syntax", "command", "parameter", "argument", "sequence", "too long"]),
        new(BounceReason.Filtered, Filtered(), ["filter", "rejected by", "recipient", "blocked by", "authori", "refused by"]),
    ];

    // Generic wording that names a cause only when neither a specific phrase nor a specific status code does.
    private static readonly Rule[] Weak =
    [
        new(BounceReason.UserUnknown, WeakUserUnknown(), ["user", "recipient", "address", "mailbox"]),
        new(BounceReason.SystemError, SystemError(), ["system", "configuration", "service", "server", "internal", "temporary", "local error", "could not load", "transaction failed", "resource", "try"]),
        new(BounceReason.Rejected, Rejected(), ["reject", "refuse", "denied", "not accepted", "declined"]),
    ];

    private static readonly Rule UserUnknownRule = Array.Find(Ordered, r => r.Reason == BounceReason.UserUnknown)!;
    private static readonly Rule MailboxFullRule = Array.Find(Ordered, r => r.Reason == BounceReason.MailboxFull)!;

    // Longest stretch of text any pattern here can match on either side of one of its anchors.
    private const int Reach = 110;
    // Texts this short are cheaper to test whole than to window.
    private const int WholeTextLimit = 2 * Reach;

    private static readonly AnchorTable Anchors = new([.. Ordered, .. Weak]);

    public static BounceReason? Match(string? text) => First(Ordered, text);

    public static BounceReason? MatchWeak(string? text) => First(Weak, text);

    public static bool SaysUserUnknown(string text) => Matches(UserUnknownRule, text);

    public static bool SaysMailboxFull(string text) => Matches(MailboxFullRule, text);

    /// <summary>Every pattern run over the whole text, without anchors: the reference the anchored path must equal.</summary>
    internal static BounceReason? MatchExhaustive(string? text, bool weak)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        foreach (var rule in weak ? Weak : Ordered)
            if (rule.Pattern.IsMatch(text))
                return rule.Reason;
        return null;
    }

    internal static void ScanOnly(string text) => Anchors.Find(text);

    private static BounceReason? First(Rule[] rules, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var hits = Anchors.Find(text);
        foreach (var rule in rules)
            if (hits.Matches(rule, text))
                return rule.Reason;
        return null;
    }

    private static bool Matches(Rule rule, string text) => Anchors.Find(text).Matches(rule, text);

    /// <summary>All anchors of all rules, searched for in one pass.</summary>
    private sealed class AnchorTable
    {
        private readonly SearchValues<string> _all;
        // Anchors by their lower-cased first character, each with the rules it stands for.
        private readonly (string Anchor, ulong Rules)[][] _byFirst = new (string, ulong)[128][];

        public AnchorTable(Rule[] rules)
        {
            if (rules.Length > 64) throw new InvalidOperationException("Too many phrase rules for the anchor mask.");
            var masks = new Dictionary<string, ulong>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < rules.Length; i++)
            {
                rules[i].Bit = 1UL << i;
                foreach (var anchor in rules[i].Anchors)
                    masks[anchor] = masks.GetValueOrDefault(anchor) | (1UL << i);
            }
            _all = SearchValues.Create([.. masks.Keys], StringComparison.OrdinalIgnoreCase);
            var lists = new List<(string, ulong)>[128];
            foreach (var (anchor, mask) in masks)
            {
                var first = char.ToLowerInvariant(anchor[0]);
                (lists[first] ??= []).Add((anchor, mask));
            }
            for (var c = 0; c < 128; c++)
                _byFirst[c] = lists[c] is { } list ? [.. list] : [];
        }

        [ThreadStatic] private static Hits? _last;

        public Hits Find(string text)
        {
            // The resolver asks about the same text more than once (strong rules, then weak ones): scan it once.
            var hits = _last ??= new Hits();
            if (ReferenceEquals(hits.Text, text)) return hits;
            hits.Reset(text);
            var span = text.AsSpan();
            var offset = 0;
            while (offset < span.Length)
            {
                var index = span[offset..].IndexOfAny(_all);
                if (index < 0) break;
                var position = offset + index;
                var first = char.ToLowerInvariant(span[position]);
                if (first < 128)
                {
                    var rest = span[position..];
                    foreach (var (anchor, rules) in _byFirst[first])
                        if (rest.StartsWith(anchor, StringComparison.OrdinalIgnoreCase))
                            hits.Add(position, rules);
                }
                offset = position + 1;
            }
            return hits;
        }

    }

    /// <summary>Where anchors occurred in one text, and for which rules.</summary>
    private sealed class Hits
    {
        private const int MaxHits = 256;
        private readonly (int Position, ulong Rules)[] _hits = new (int, ulong)[MaxHits];
        private ulong _rules;
        private int _count;
        private bool _whole;

        public string? Text { get; private set; }

        public void Reset(string text)
        {
            Text = text;
            _rules = 0;
            _count = 0;
            _whole = text.Length <= WholeTextLimit;
        }

        public void Add(int position, ulong rules)
        {
            _rules |= rules;
            if (_whole) return;
            if (_count == MaxHits)
            {
                _whole = true; // so many anchors that windows would cost more than one whole-text run
                return;
            }
            _hits[_count++] = (position, rules);
        }

        public bool Matches(Rule rule, string text)
        {
            var bit = rule.Bit;
            if ((_rules & bit) == 0) return false;
            if (_whole) return rule.Pattern.IsMatch(text);
            for (var i = 0; i < _count; i++)
            {
                var (position, rules) = _hits[i];
                if ((rules & bit) == 0) continue;
                var start = Math.Max(0, position - Reach);
                var end = Math.Min(text.Length, position + Reach);
                // Extend over following anchors of the same rule so overlapping windows are tested once.
                for (var j = i + 1; j < _count && _hits[j].Position - Reach < end; j++)
                {
                    if ((_hits[j].Rules & bit) == 0) continue;
                    end = Math.Min(text.Length, _hits[j].Position + Reach);
                    i = j;
                }
                if (rule.Pattern.IsMatch(text.AsSpan(start, end - start))) return true;
            }
            return false;
        }
    }

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

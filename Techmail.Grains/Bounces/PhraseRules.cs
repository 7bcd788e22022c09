using System.Runtime.CompilerServices;
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
internal static class PhraseRules
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
        new(BounceReason.NotCompliantRfc, NotCompliantRfc(), ["complian", "rfc", "multiple", "duplicate", "missing", "malformed", "invalid", "bare"]),
        new(BounceReason.VirusDetected, Virus(), ["virus", "malware", "infected", "worm", "trojan"]),
        new(BounceReason.SpamDetected, StrongSpam(), ["spam", "listed", "surbl", "uribl"]),
        new(BounceReason.AuthFailure, AuthFailure(), ["dmarc", "spf", "dkim", "authenticat", "5.7.2"]),
        new(BounceReason.RequirePtr, RequirePtr(), ["unverifiable", "unverifyable", "reverse", "ptr", "rdns", "ip name lookup", "find", "resolve", "lookup", "look up", "client host", "mismatches", "no valid", "no host", "5.7.25"]),
        new(BounceReason.FailedStartTls, FailedStartTls(), ["tls", "require", "must use", "encryption"]),
        new(BounceReason.BadReputation, BadReputation(), ["reputation", "sender score", "senderscore", "complaints", "[ts"]),
        // The recipient's own settings refused the mail ("refused due to recipient preferences"): the address exists and
        // chose not to take it, so it must win over any "unknown"/5.1.1 wording a provider puts beside it.
        new(BounceReason.Filtered, RecipientChoice(), ["preferences", "settings", "recipient has", "does not wish", "doesn't wish", "does not want", "doesn't want"]),
        new(BounceReason.TooManyConn, TooManyConn(), ["too many", "connection rate", "connection freq", "connection count", "connection limit", "max", "concurrent", "simultaneous"]),
        new(BounceReason.Speeding, Speeding(), ["rate", "too many", "slow down", "throttl", "try again later"]),
        new(BounceReason.NoRelaying, NoRelaying(), ["relay", "identities failed"]),
        new(BounceReason.SecurityError, SecurityError(), ["auth", "insecure", "certificate"]),
        // cPanel/Exim wording whose "blacklisted" names the sender's address or a guess, not the sending host.
        new(BounceReason.Rejected, SenderListed(), ["to/from an address", "from an address"]),
        new(BounceReason.HostUnknown, DomainMayNotExist(), ["domain may not exist"]),
        // Greylisting only defers a first attempt; a bounce that names it is sent when retries never got past it before
        // the queue gave up (or to warn that they have not yet), so the cause is time running out.
        new(BounceReason.Expired, Greylisted(), ["greylist", "graylist", "grey-list", "gray-list"]),
        // A TCP connection refused (ECONNREFUSED) in the sending MTA's own words: Postfix "connect to HOST[IP]:PORT:
        // Connection refused", Sendmail "Deferred: Connection refused by HOST". No SMTP server answered, so nothing
        // judged the sender; it must not fall to the block wording below, which covers servers that answer and refuse.
        new(BounceReason.NetworkError, ConnectionRefused(), ["connect to", "deferred"]),
        new(BounceReason.Blocked, Blocked(), ["not authori", "not permitted to send", "not allowed to send", "block", "black", "dnsbl", "rbl", "spamhaus", "spamcop", "barracudacentral", "sorbs", "banned", "client host", "refused", "not allowed", "denied", "due to", "because of", "not accepting", "listed", "reputation", "your ip", "your host", "your server", "your network"]),
        new(BounceReason.PolicyViolation, PolicyViolation(), ["polic", "content presents", "not allowed", "prohibited", "violat"]),
        new(BounceReason.SpamDetected, Spam(), ["spam", "ube", "junk mail", "bulk", "unsolicited", "content rejected", "content was", "content blocked", "content filter", "classified as", "high score", "high spam", "looks like", "look like"]),
        new(BounceReason.ContentError, ContentError(), ["content error", "too large", "too long", "too many", "8-bit", "8bit", "invalid", "media type", "message header", "message body"]),
        new(BounceReason.ExceedLimit, ExceedLimit(), [".2.3", "limit for"]),
        new(BounceReason.MesgTooBig, MesgTooBig(), ["too large", "too big", "too long", "size", "exceeds", "larger than", "length exceeds", ".3.4"]),
        new(BounceReason.MailboxFull, MailboxFull(), ["full", "quota", "exceeded", "insufficient", "too many messages", "not enough", "out of", ".2.2"]),
        new(BounceReason.Suspend, Suspend(), ["disabled", "suspended", "inactive", "deactivated", "discontinued", "blocked", "locked", "frozen", "expired", "closed", "5.7.13"]),
        new(BounceReason.HasMoved, HasMoved(), ["moved", "changed", "no longer", "not local", ".1.6"]),
        new(BounceReason.NotAccept, NotAccept(), ["null", "not accepting", "no mx", "mail exchanger", "accept", "receive", "no mail"]),
        new(BounceReason.Rejected, SenderRejected(), ["sender", "from address", "mail from", "purported", "valid from", "send mail as", ".1.7", ".1.8"]),
        new(BounceReason.HostUnknown, HostUnknown(), ["not found", "unknown", "exist", "reachable", "no such", "name or service", "invalid", "not valid", "unrout", ".1.2", ".4.4"]),
        new(BounceReason.UserUnknown, UserUnknown(), ["unknown", "not found", "not known", "not exist", "not recogni", "not listed", "not valid", "exist", "invalid", "unavailable", "bad", "no such", "illegal", "no mailbox", "no user", "no account", "no recipient", "have a", "no valid", "customer", "not available", "unrouteable", "not a valid", ".1.1", "access denied", "address is", "resolver.adr"]),
        // A directory (LDAP) lookup failing is the receiving system's fault, whatever retry wording follows.
        new(BounceReason.SystemError, DirectoryFailure(), ["ldap", "directory"]),
        // A list manager's loop guard (fml "Loop Alert: Duplicated Message-ID"): the list system refused a message it
        // believes it has already handled; nothing about the recipient or the content.
        new(BounceReason.SystemError, DuplicateMessageId(), ["duplicated message-id"]),
        // The receiving system short of storage (RFC 5321's 452 "insufficient system storage", RFC 3463's X.3.1 "mail
        // system full", Exim's "452 Space shortage, please try later" when its spool is under check_spool_space). It
        // is a cause: a report that also says the queue gave up ("retry timeout exceeded") still names it, so it is
        // ordered before the network and expiry wording.
        new(BounceReason.SystemFull, SystemFull(), ["system", "out of", "disk full", "no space", "space shortage"]),
        new(BounceReason.NetworkError, NetworkError(), ["loop", "hop", "lost connection", "connection reset", "connection refused", "connection closed", "connection dropped", "connection lost", "network", "name serv", "dns", "lookup", "no route", "malformed or unexpected"]),
        new(BounceReason.Expired, Expired(), ["cannot send message for", "could not deliver", "no response", "respond", "queue lifetime", "maximum time", "time limit", "failing for", "failure period", "expired", "timeout", "time out", "timed out", "delayed", "not yet", "requests to connect", "retried", "attempts", "retry", "too long", "giving up", "given up", "could not be delivered", "undeliverable for", "no answer", "days", "hours", "not delivered for", "delivered within"]),
        new(BounceReason.MailerError, MailerError(), ["mailer", "procmail", "command", "pipe to", "|/", "| /", "|\t/", "exit", "x-unix"]),
        new(BounceReason.SyntaxError, SyntaxError(), ["malformed address", "incorrectly", "syntax", "command", "parameter", "argument", "sequence", "too long"]),
        new(BounceReason.Filtered, Filtered(), ["filter", "rejected by", "refus", "blocked by", "authori"]),
    ];

    // Generic wording that names a cause only when neither a specific phrase nor a specific status code does.
    private static readonly Rule[] Weak =
    [
        new(BounceReason.UserUnknown, WeakUserUnknown(), ["rejected", "not accepted", "unavailable", "invalid"]),
        new(BounceReason.SystemError, SystemError(), ["system", "configuration", "unavailable", "not available", "refused", "error", "internal", "temporary", "could not load", "transaction failed", "busy", "resource", "try"]),
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

    /// <summary>
    /// Wording only a recipient directory lookup produces (Exchange's resolver, Domino's directory): the address
    /// itself was judged, so it is not a content filter's verdict even when the report names no SMTP command.
    /// </summary>
    public static bool SaysDirectoryVerdict(string text) =>
        ProviderDirectoryVerdicts.Says(text)
        || text.Contains("RecipNotFound", StringComparison.OrdinalIgnoreCase)
        || text.Contains("RecipientNotFound", StringComparison.OrdinalIgnoreCase)
        || text.Contains("recipient name is not recognized", StringComparison.OrdinalIgnoreCase)
        || text.Contains("no valid recipients", StringComparison.OrdinalIgnoreCase)
        || text.Contains("check if address is correct", StringComparison.OrdinalIgnoreCase)
        || (text.Contains("not listed in", StringComparison.OrdinalIgnoreCase) && DirectoryListing().IsMatch(text));

    /// <summary>Every pattern run over the whole text, without anchors: the reference the anchored path must equal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static BounceReason? MatchExhaustive(string? text, bool weak)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        foreach (var rule in weak ? Weak : Ordered)
            if (rule.Pattern.IsMatch(text))
                return rule.Reason;
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        private readonly AnchorScanner _scanner;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            _scanner = new AnchorScanner(masks.Select(pair => (pair.Key, pair.Value)));
        }

        [ThreadStatic] private static Hits? _last;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Hits Find(string text)
        {
            // The resolver asks about the same text more than once (strong rules, then weak ones): scan it once.
            var hits = _last ??= new Hits();
            if (ReferenceEquals(hits.Text, text)) return hits;
            hits.Reset(text);
            _scanner.Scan(text, ref hits, static (ref Hits h, int position, ulong mask) => h.Add(position, mask));
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Reset(string text)
        {
            Text = text;
            _rules = 0;
            _count = 0;
            _whole = text.Length <= WholeTextLimit;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    private static Regex DirectoryFailure() => _directoryFailure ??= new(@"\bLDAP\b.{0,30}(?:fail|error|unavailable|contact|timeout|down)|(?:unable to|could not|cannot) (?:contact|reach|connect to) (?:the )?(?:LDAP|directory)|directory (?:server |service )?(?:failure|error|unavailable|lookup failed)", Opts | RegexOptions.Compiled);
    private static Regex? _directoryFailure;

    private static Regex DuplicateMessageId() => _duplicateMessageId ??= new(@"duplicated message-id", Opts | RegexOptions.Compiled);
    private static Regex? _duplicateMessageId;

    private static Regex Virus() => _virus ??= new(@"(?<![-\w])virus(?!-)|malware|\binfected\b|\bworm\b|trojan", Opts | RegexOptions.Compiled);
    private static Regex? _virus;

    private static Regex AuthFailure() => _authFailure ??= new(@"\bDMARC\b|\bSPF\b.{0,40}(?:fail|check|validat|record|policy|softfail)|(?:fail|pass)\w*\s+(?:the\s+)?SPF|\bDKIM\b.{0,40}(?:fail|signature|invalid|missing|valid)|authenticate with (?:either )?SPF|unauthenticated (?:e-?mail|message)|sender is unauthenticated|does not have authentication information|authentication checks|\b5\.7\.(?:2[0-46]|29)\b", Opts | RegexOptions.Compiled);
    private static Regex? _authFailure;

    // An IP is verified by its reverse DNS name matching forward again, so "unverifiable sending IP" is a PTR refusal.
    private static Regex RequirePtr() => _requirePtr ??= new(@"unverif[iy]able (?:sending |client )?IPs?\b|reverse (?:DNS|lookup|name)|\bPTR\b|\brDNS\b|IP name lookup failed|(?:can ?not|could not|unable to) (?:find|resolve|lookup|look up) (?:your )?(?:host ?name|IP)|client host name|mismatches client ip|hostname does not resolve|no (?:valid )?(?:host ?name|reverse)|not have a (?:valid )?reverse|\b5\.7\.25\b", Opts | RegexOptions.Compiled);
    private static Regex? _requirePtr;

    private static Regex FailedStartTls() => _failedStartTls ??= new(@"STARTTLS|(?:not|n't) (?:support|offer)s? (?:STARTTLS|TLS)\b|\bTLS\b.{0,30}(?:required|failed|negotiat|handshake|mandatory)|(?:requires?|must use)\s+(?:a\s+)?(?:secure|encrypted|TLS)|encryption (?:is )?required", Opts | RegexOptions.Compiled);
    private static Regex? _failedStartTls;

    private static Regex NotCompliantRfc() => _notCompliantRfc ??= new(@"not (?:\w+ )?(?:RFC|standards?)[ -]?(?:\d{3,4} )?complian|(?:violat\w*|not (?:comply|conform)\w*|non-?complian\w*|does not (?:comply|conform)\w*)(?: with)? (?:the )?RFC|RFC ?(?:5322|2822|822|5321) (?:complian|violat|requires)|multiple (?:addresses in )?(?:From|Subject|To|Date|Message-ID|Sender)\b|multiple \S+ headers|duplicate header|missing (?:required )?(?:\w+ )?header|header (?:is )?(?:malformed|invalid)|malformed (?:\w+ )?header|bare (?:LF|line ?feed)", Opts | RegexOptions.Compiled);
    private static Regex? _notCompliantRfc;

    // "Blocked using <list> Reputation" names an IP blocklist that refused the host (a block), not a judgement of the
    // sender's own reputation.
    private static Regex BadReputation() => _badReputation ??= new(@"(?<!blocked using [\w.-]+ )reputation|sender score|senderscore|user complaints|\[TS[S0]\d\d\]", Opts | RegexOptions.Compiled);
    private static Regex? _badReputation;

    // Connection counts, not message rates: Postfix's anvil "too many connections from", Exim's "too many concurrent SMTP
    // connections", Exchange's "maximum number of concurrent (server) connections has exceeded a limit", Sendmail's
    // connection rate and concurrency limits.
    // "Too many recipients" is RFC 3463's X.5.3, a per-transaction count that the reason vocabulary files with
    // connection counts; it is not a sending rate.
    private static Regex TooManyConn() => _tooManyConn ??= new(@"too many (?:\w+ ){0,2}(?:connections|sessions|recipients)|(?:maximum|max\.?) (?:number of )?(?:\w+ ){0,2}(?:connections|sessions)|(?:concurrent|simultaneous) (?:\w+ )?(?:connection|session)s? (?:limit|exceeded)|connection (?:rate|frequency|count) (?:limit|exceeded)|connection frequency limited|connection limit|too many hosts", Opts | RegexOptions.Compiled);
    private static Regex? _tooManyConn;

    private static Regex Speeding() => _speeding ??= new(@"rate limit|receiving mail at a rate|too many (?:messages|mails|emails)|(?:sending|message) rate|slow down|throttl|try again later.{0,30}(?:too many|volume)", Opts | RegexOptions.Compiled);
    private static Regex? _speeding;

    private static Regex NoRelaying() => _noRelaying ??= new(@"relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed))|not (?:permitted|allowed|authori[sz]ed|configured) to relay|unable to relay|we do not relay|no relaying|relay not permitted|cannot relay|open relay|relaying mail to .{0,40} not allowed|identities failed the check", Opts | RegexOptions.Compiled);
    private static Regex? _noRelaying;

    private static Regex SecurityError() => _securityError ??= new(@"SMTP auth|delivery not authori[sz]ed|authentication (?:is )?required|must (?:be )?authenticat|unauthenticated sender|authentication failed|auth(?:entication)? (?:credentials )?invalid|sender (?:address )?not authori[sz]ed|insecure|\bcertificate\b", Opts | RegexOptions.Compiled);
    private static Regex? _securityError;

    private static Regex Greylisted() => _greylisted ??= new(@"gr[ae]y-?list", Opts | RegexOptions.Compiled);
    private static Regex? _greylisted;

    private static Regex Blocked() => _blocked ??= new(@"black ?list|block ?list|\bDNSBL\b|\bRBL\b|spamhaus|spamcop|barracudacentral|sorbs|banned (?:sending )?IP|client host .{0,60}rejected|blocked using|(?:ip|host|address|client|server|connection|sender|network)\s+(?:\[[^\]]*\]\s+|\S+\s+)?(?:is |was |has been )?(?:blocked|banned|refused|not allowed|denied)|(?:refused|denied|rejected) (?:due to|because of) (?:your|the) (?:ip|host)|\b(?:ip|host|server)\b[^.;]{0,40}\bnot (?:authori[sz]ed|permitted|allowed) to send|refused to talk to me|not accepting connections|\bblocked\b\s*[-:]|(?<!not )(?:listed|blocked) (?:in|on|at|by) (?!(?:\w+ )?directory)|poor reputation|your (?:ip|host|server|network)", Opts | RegexOptions.Compiled);
    private static Regex? _blocked;

    private static Regex PolicyViolation() => _policyViolation ??= new(@"polic(?:y|ies)(?! of reject)|content presents a potential|message not allowed|not allowed by|prohibited|violat", Opts | RegexOptions.Compiled);
    private static Regex? _policyViolation;

    private static Regex Spam() => _spam ??= new(@"\bspam|\bUBE\b|junk mail|bulk (?:e?mail|mail)|unsolicited|message content rejected|content (?:was )?(?:rejected|blocked|filter)|classified as|spamassassin|high (?:spam )?score|looks? like", Opts | RegexOptions.Compiled);
    private static Regex? _spam;

    private static Regex ContentError() => _contentError ??= new(@"content error|headers? (?:are |is )?too (?:large|long|many)|improper use of 8-bit|8-?bit (?:data|characters?)|invalid (?:mime|content|character)|line (?:is )?too long|media type|message (?:header|body) (?:error|invalid)", Opts | RegexOptions.Compiled);
    private static Regex? _contentError;

    private static Regex ExceedLimit() => _exceedLimit ??= new(@"\b[45]\.2\.3\b|exceeds? (?:the )?(?:recipient'?s? |administrative |mailbox )?(?:size )?limit for (?:this|the) (?:recipient|mailbox)", Opts | RegexOptions.Compiled);
    private static Regex? _exceedLimit;

    private static Regex MesgTooBig() => _mesgTooBig ??= new(@"(?:message|mail|e-?mail|file|attachment)s? (?:is |was )?(?:too (?:large|big|long)|size exceeds|exceeds (?:the )?(?:\w+ )?(?:size|maximum))|(?:message |mail )?size (?:limit )?exceed|exceeds? (?:the )?(?:maximum|max|fixed) (?:message )?size|too big|size limit|larger than|message length exceeds|\b5\.3\.4\b", Opts | RegexOptions.Compiled);
    private static Regex? _mesgTooBig;

    private static Regex MailboxFull() => _mailboxFull ??= new(@"mailbox (?:is |was )?full|mail ?box ?full|over ?quota|quota (?:exceeded|full|violation)|exceeded (?:\w+ )?(?:storage|quota)|(?:disk|storage|mailbox) quota|insufficient (?:user )?(?:storage|disk)|mailbox (?:size )?(?:limit )?exceeded|(?:mailbox|inbox) (?:has )?exceeded|(?:number|size) of messages in .{0,30}mailbox exceeded|too many messages (?:in|on) (?:the |this )?(?:mailbox|inbox)|is full\b|not enough (?:space|storage)|out of (?:mailbox )?space|\b[45]\.2\.2\b", Opts | RegexOptions.Compiled);
    private static Regex? _mailboxFull;

    private static Regex Suspend() => _suspend ??= new(@"account (?:\w+ )?(?:is |has been |was )?(?:disabled|suspended|inactive|deactivated|discontinued|blocked|locked|frozen|expired|closed)|(?:disabled|inactive|suspended|deactivated) (?:recipient|account|mailbox|user)|mailbox (?:is |has been )?(?:disabled|frozen|suspended|inactive|locked|closed)|user (?:is |has been )?(?:suspended|disabled|inactive)|recipient (?:account )?(?:is )?(?:blocked|suspended|disabled)|\b5\.7\.13\b", Opts | RegexOptions.Compiled);
    private static Regex? _suspend;

    private static Regex HasMoved() => _hasMoved ??= new(@"has moved|(?:mailbox|address|user) (?:has been )?(?:moved|changed)|no longer (?:valid|available|in use|at this|accepting mail at)|user not local;? please try|\b5\.1\.6\b", Opts | RegexOptions.Compiled);
    private static Regex? _hasMoved;

    private static Regex NotAccept() => _notAccept ??= new(@"null ?MX|not accepting network messages|no mx record|(?:couldn't|could not|unable to) find (?:a |any )?mail exchanger|no mail exchanger|does ?n[o']t (?:accept|receive) (?:any )?e?-?mail|not accept(?:ing)? (?:any )?(?:e-?)?mail|accepts no mail|no mail (?:is )?accepted", Opts | RegexOptions.Compiled);
    private static Regex? _notAccept;

    private static Regex SenderRejected() => _senderRejected ??= new(@"sender (?:address |domain )?(?:rejected|refused|denied|invalid|verify failed|unknown|not (?:allowed|accepted))|(?:domain of|invalid|unknown|unroutable|unverified|bad|unresolvable) sender|sender (?:address )?(?:domain )?(?:does not|doesn't) exist|provide a valid from|'send mail as' (?:account|feature|address)|purported responsible address|from address (?:rejected|invalid|not)|mail from (?:address )?(?:rejected|refused|invalid)|\b[45]\.1\.[78]\b", Opts | RegexOptions.Compiled);
    private static Regex? _senderRejected;

    private static Regex UserUnknown() => _userUnknown ??= new(@"check (?:if|that|whether) (?:the )?(?:recipient'?s? )?(?:e-?mail )?address is (?:correct|valid)|recipient address rejected: access denied|(?:user|recipient|mailbox|address|account|addressee)s? (?:name )?(?:is )?(?:unknown|not (?:found|known|exist|recognized|recognised|listed|valid)|does ?n[o']t exist|invalid|unavailable|disabled or does not exist)|(?:unknown|invalid|bad|non-?existent|no such|illegal) (?:local )?(?:user|recipient|mailbox|address|account|addressee|e-?mail)|no (?:such )?(?:mailbox|user|account|recipient)(?: here| found| by that name)?|does not exist|doesn't exist|doesn't have an? .{1,60} account|not listed in|no valid recipients|user not exist|not our customer|mailbox not available|no longer exists|is not a valid (?:mailbox|user|recipient)|resolver\.adr\.recip(?:ient)?notfound|\b[45]\.1\.1\b", Opts | RegexOptions.Compiled);
    private static Regex? _userUnknown;

    private static Regex HostUnknown() => _hostUnknown ??= new(@"host (?:or domain name )?(?:not found|unknown)|host \S+ not found|unknown (?:host|domain)|(?:domain|host)(?: name)? (?:not found|does not exist|doesn't exist|is not reachable|unreachable)|no such (?:domain|host)|name or service not known|invalid domain|domain (?:is )?(?:invalid|not (?:valid|exist))|unroutable domain|unrout(?:e)?able address|(?<![@\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,63} (?:does not exist|doesn't exist)|domain is not reachable|\b5\.1\.2\b|\b[45]\.4\.4\b", Opts | RegexOptions.Compiled);
    private static Regex? _hostUnknown;

    private static Regex NetworkError() => _networkError ??= new(@"routing loop|mail loop|loop detected|too many hops|hop count|lost connection|connection (?:reset|refused|closed|dropped|lost)|network (?:is )?(?:error|unreachable)|name service error|name server|DNS (?:error|lookup|failure|problem)|temporary lookup failure|no route to host|malformed or unexpected", Opts | RegexOptions.Compiled);
    private static Regex? _networkError;

    // Sendmail's "Cannot send message for 5 days", a host that never answered ("no response from", "did not respond"),
    // and the queue lifetime or time limit running out, beside the generic wording.
    private static Regex Expired() => _expired ??= new(@"cannot send message for|could not deliver (?:the )?(?:message )?(?:for|in|within) \d|no response from|(?:did not|didn't|is not|not) respond(?:ing)?\b|queue lifetime|maximum time in queue|time limit (?:exceeded|specified|reached)|expired|failing for a long time|long failure period|time(?:d)? ?out|\bdelayed\b|not yet been delivered|requests to connect|will be retried|failed \d+ attempts|retry time|too long|giving up|given up|has been delayed|delivery (?:time )?(?:has )?expired|could not be delivered (?:with)?in|undeliverable for|no answer|unable to (?:deliver|connect).{0,40}(?:days|hours)|not delivered for|not (?:been )?delivered within \d", Opts | RegexOptions.Compiled);
    private static Regex? _expired;

    private static Regex SystemFull() => _systemFull ??= new(@"system (?:is )?full|insufficient system storage|out of (?:disk )?space|disk full|no space left|space shortage", Opts | RegexOptions.Compiled);
    private static Regex? _systemFull;

    private static Regex ConnectionRefused() => _connectionRefused ??= new(@"connect to \S+: connection refused|deferred: connection refused by", Opts | RegexOptions.Compiled);
    private static Regex? _connectionRefused;

    private static Regex MailerError() => _mailerError ??= new(@"mailer error|\bprocmail\b|command (?:died|failed|output)|pipe to |\|\s*/|exit (?:code|status)|x-unix;|unknown mailer|mailer (?:not found|failed)", Opts | RegexOptions.Compiled);
    private static Regex? _mailerError;

    private static Regex SyntaxError() => _syntaxError ??= new(@"syntax error|malformed address|incorrectly constructed|command (?:not recognized|unrecognized|not implemented)|(?:parameter|argument)s? not (?:implemented|recognized)|bad (?:command )?sequence|invalid command|unrecognized command|line too long", Opts | RegexOptions.Compiled);
    private static Regex? _syntaxError;

    private static Regex SystemError() => _systemError ??= new(@"system (?:error|config)|configuration error|(?:service|server) (?:is )?(?:currently |temporarily )?(?:unavailable|not available|refused|error)|internal (?:server )?error|temporary (?:server|local) (?:error|problem|failure)|local error|could not load|transaction failed|mail system problem|server (?:is )?busy|resources? (?:temporarily )?unavailable|try (?:again )?later|directory (?:server )?failure", Opts | RegexOptions.Compiled);
    private static Regex? _systemError;

    private static Regex DirectoryListing() => _directoryListing ??= new(@"not listed in (?:the )?(?:\w+ )?(?:directory|address book|name (?:&|and) address book)", Opts | RegexOptions.Compiled);
    private static Regex? _directoryListing;

    private static Regex SenderListed() => _senderListed ??= new(@"sending (?:to/)?from an address that (?:has been|is) (?:black|block|deny ?)listed", Opts | RegexOptions.Compiled);
    private static Regex? _senderListed;

    private static Regex DomainMayNotExist() => _domainMayNotExist ??= new(@"(?:account or )?domain may not exist", Opts | RegexOptions.Compiled);
    private static Regex? _domainMayNotExist;

    private static Regex RecipientChoice() => _recipientChoice ??= new(@"(?:refused|rejected|declined|blocked|not (?:accepted|delivered)) (?:due to|because of|by) (?:the )?recipient'?s? (?:\w+ )?(?:preferences|settings)|recipient'?s? (?:\w+ )?(?:preferences|settings) (?:refused|rejected|blocked|do not allow)|recipient has (?:blocked|chosen|opted|elected)|recipient (?:does not|doesn't) (?:wish|want) to receive", Opts | RegexOptions.Compiled);
    private static Regex? _recipientChoice;

    private static Regex WeakUserUnknown() => _weakUserUnknown ??= new(@"(?:recipient|address|user)s? (?:address )?rejected(?!\s*:)|recipient not accepted|mailbox unavailable|invalid recipient", Opts | RegexOptions.Compiled);
    private static Regex? _weakUserUnknown;

    private static Regex StrongSpam() => _strongSpam ??= new(@"(?:black|block)listed (?:URL|URI|link|domain in (?:the )?(?:message|body))|\bSURBL\b|\bURIBL\b|spam classification|classified as spam|(?:detected|identified|marked|rejected|considered|flagged) as (?:\w+ )?spam|likely (?:to be )?spam|looks like spam|spam (?:score|content|filter|message detected)", Opts | RegexOptions.Compiled);
    private static Regex? _strongSpam;

    private static Regex Filtered() => _filtered ??= new(@"filter|rejected by (?:the )?recipient|recipient .{0,40} refus|blocked by (?:the )?recipient|not authori[sz]ed to send|refused by the recipient", Opts | RegexOptions.Compiled);
    private static Regex? _filtered;

    private static Regex Rejected() => _rejected ??= new(@"(?<!(?:recipient|address) )\brejected\b|\brefused\b|access denied|not accepted|\bdenied\b|\bdeclined\b", Opts | RegexOptions.Compiled);
    private static Regex? _rejected;
}

using System.Runtime.CompilerServices;
namespace Techmail.Bounces;

/// <summary>Turns what a reader found about a recipient into the final status, reply code and cause.</summary>
internal static class ReasonResolver
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static BouncedRecipient Resolve(RecipientDraft draft)
    {
        var diagnostic = Clean(draft.Diagnostic);
        var reported = diagnostic;
        if (SmtpCodes.QuotedRemoteReply(diagnostic) is { } remote)
            diagnostic = remote.Replace("'", "", StringComparison.Ordinal);
        var action = draft.Action?.Trim().ToLowerInvariant();

        var status = NormalizeStatus(draft.Status);
        var textStatus = SmtpCodes.FindStatus(diagnostic);
        // The DSN field is often a bare class ("5.0.0") while the remote server's reply is precise.
        if (SmtpCodes.IsGeneric(status) && textStatus is not null && !SmtpCodes.IsGeneric(textStatus))
            status = textStatus;
        status ??= textStatus;
        var reply = draft.ReplyCode ?? SmtpCodes.FindReplyCode(diagnostic);
        var stage = new LazyStage(draft, diagnostic);

        var reason = Decide(draft, diagnostic, action, status, reply, stage);

        var @class = status?[0] ?? reply?[0] ?? (action == "delayed" ? '4' : '5');
        if (reason == BounceReason.Delivered) @class = '2';
        status ??= reason is BounceReason.Feedback or BounceReason.Vacation ? null : StatusReasons.DefaultStatus(reason, @class);
        if (reason != BounceReason.Delivered && status is ['2', ..])
            status = StatusReasons.DefaultStatus(reason, '5');

        return new BouncedRecipient(
            draft.Address,
            status,
            reply,
            reason,
            BounceReasons.IsHardBounce(reason, status),
            reported);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static BounceReason Decide(
        RecipientDraft draft, string? diagnostic, string? action, string? status, string? reply, LazyStage stage)
    {
        if (draft.KnownReason is { } known) return known;
        if (action is "delivered" or "relayed" or "expanded") return BounceReason.Delivered;
        if (status is ['2', ..] && action is null or "") return BounceReason.Delivered;
        if (ReceivingProviders.Reason(draft.Address, diagnostic, status, stage, () => draft.Context) is { } provider) return provider;

        BounceReason? reason;
        if (string.Equals(draft.DiagnosticType, "x-unix", StringComparison.OrdinalIgnoreCase))
            // A local delivery program failed; only a quota message says more than "the mailer broke".
            reason = diagnostic is not null && PhraseRules.SaysMailboxFull(diagnostic) ? BounceReason.MailboxFull : BounceReason.MailerError;
        else
            reason = PhraseRules.Match(diagnostic);

        var fromStatus = SmtpCodes.IsGeneric(status) ? null : StatusReasons.FromStatus(status);
        // With no Diagnostic-Code, a status such as X.4.7 (expired) only says the MTA gave up; the report's own
        // account of the last attempt (e.g. Sendmail's "Deferred: Name server: host name lookup failure") says why.
        if (reason is null && diagnostic is null && fromStatus is BounceReason.Expired or BounceReason.NetworkError
                or BounceReason.SystemError or BounceReason.SecurityError)
            reason = PhraseRules.Match(draft.Context);
        reason = Arbitrate(reason, fromStatus);
        // X.7.1 is "delivery not authorized" (RFC 3463); a bare "access denied" under it is that authorization
        // refusal. Answered to MAIL FROM it is the sender that was refused, which the weak rules call rejected.
        if (reason is null && status is [_, '.', '7', '.', '1'] && diagnostic is not null
                && diagnostic.Contains("access denied", StringComparison.OrdinalIgnoreCase) && stage.Value != SmtpStage.MailFrom)
            reason = BounceReason.SecurityError;
        reason ??= PhraseRules.MatchWeak(diagnostic);
        if (reason is null)
        {
            var context = draft.Context;
            reason = PhraseRules.Match(context) ?? PhraseRules.MatchWeak(context);
        }
        reason ??= FromReplyCode(reply);

        if (reason is null)
        {
            if (action == "delayed") return BounceReason.Expired;
            reason = stage.Value switch
            {
                SmtpStage.MailFrom => BounceReason.Rejected,
                SmtpStage.Connect or SmtpStage.Helo => BounceReason.Blocked,
                _ => null,
            };
        }
        // Google Groups answers a post it will not accept (no such group, or no permission to post) with a
        // notice that carries no SMTP reply; the group address is the failed recipient.
        if (reason is null && draft.Address.EndsWith("@googlegroups.com", StringComparison.OrdinalIgnoreCase) && reply is null)
            return BounceReason.Rejected;
        if (reason is null)
            return SaysNothing(diagnostic, draft.Address) ? BounceReason.Undefined : BounceReason.OnHold;

        reason = AdjustForStage(reason.Value, stage, status, diagnostic);
        // A temporary DNS answer is not proof the domain is gone.
        if (reason == BounceReason.HostUnknown && status is ['4', ..]) return BounceReason.NetworkError;
        if (action == "delayed" && diagnostic is null && reason is BounceReason.NetworkError or BounceReason.OnHold) return BounceReason.Expired;
        // 4.4.1 is "no answer from host" (RFC 3463: the outbound connection attempt was not answered, useful only as a
        // persistent transient error). Reported with Action: failed (RFC 3464 section 2.3.3) the MTA kept trying to
        // connect until its queue lifetime ran out, as Postfix reports a refused connection: that is an expiry, and
        // the wording ("Connection refused") only restates the unanswered attempt. X.4.2 (a connection that was made
        // and then failed) and a network cause under X.4.7 stay network errors.
        if (reason == BounceReason.NetworkError && action == "failed" && status == "4.4.1") return BounceReason.Expired;
        return reason.Value;
    }

    /// <summary>
    /// The phrase and the enhanced code usually agree; when the phrase is only a generic refusal, a specific
    /// code is the better witness.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static BounceReason? Arbitrate(BounceReason? phrase, BounceReason? status)
    {
        if (status is null) return phrase;
        if (phrase is null) return status;
        return phrase;
    }

    /// <summary>
    /// No diagnostic, or one that only repeats the recipient's address (a report listing whom it failed for and
    /// nothing more): there is nothing to hold a reason on.
    /// </summary>
    private static bool SaysNothing(string? diagnostic, string address)
    {
        if (string.IsNullOrWhiteSpace(diagnostic)) return true;
        // Postfix's placeholder when it kept no per-recipient details.
        if (diagnostic.Contains("Delivery report unavailable", StringComparison.OrdinalIgnoreCase)) return true;
        var rest = diagnostic.Replace(address, "", StringComparison.OrdinalIgnoreCase);
        foreach (var c in rest)
            if (char.IsLetterOrDigit(c)) return false;
        return true;
    }

    /// <summary>
    /// An RFC 3463 addressing status for the destination mailbox (X.1.0 other address status, X.1.1 bad mailbox,
    /// X.1.3 bad mailbox syntax): the server itself says the address is what failed.
    /// </summary>
    private static bool IsRecipientAddressStatus(string? status) =>
        status is { Length: 5 } && status[2] == '1' && status[4] is '0' or '1' or '3';

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static BounceReason AdjustForStage(BounceReason reason, LazyStage lazyStage, string? status, string? diagnostic)
    {
        if (reason is not (BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.Filtered or BounceReason.Suspend
                or BounceReason.MailboxFull or BounceReason.HasMoved or BounceReason.Rejected
                or BounceReason.SystemError or BounceReason.SecurityError or BounceReason.NotAccept))
            return reason;
        var stage = lazyStage.Value;
        // "Unrouteable address" answered to RCPT TO comes from the domain's own server, reached through its MX: the
        // domain routes, the local part does not (Exim's recipient verification says so). Said by the sending MTA
        // itself, with no remote reply, it is the domain that could not be routed.
        if (reason == BounceReason.HostUnknown && stage == SmtpStage.RcptTo && diagnostic is not null
                && diagnostic.Contains("unrout", StringComparison.OrdinalIgnoreCase) && !diagnostic.Contains("domain", StringComparison.OrdinalIgnoreCase))
            return BounceReason.UserUnknown;
        // Refused while greeting (RFC 5321 section 3.1: a 554 or 421 greeting, or the answer to EHLO/HELO): no address
        // or message was offered yet, so it is the connecting host that was turned away, whatever generic words
        // ("service unavailable", "access denied", "not accepting") or security status came with it.
        if (stage is SmtpStage.Connect or SmtpStage.Helo)
            return reason is BounceReason.MailboxFull or BounceReason.Suspend or BounceReason.HasMoved ? reason : BounceReason.Blocked;
        if (reason is BounceReason.SystemError or BounceReason.SecurityError or BounceReason.NotAccept) return reason;
        // A refusal at MAIL FROM concerns the sender, whatever words the server used.
        if (stage == SmtpStage.MailFrom && reason is BounceReason.UserUnknown or BounceReason.HostUnknown
                or BounceReason.Filtered or BounceReason.Suspend or BounceReason.MailboxFull or BounceReason.HasMoved)
            return BounceReason.Rejected;
        // A server judges an address when it answers RCPT TO. "Unknown user" wording anywhere else (after DATA, or
        // with no sign of the command at all) comes from a filter that had accepted the address and then refused
        // the message on the mailbox's behalf, unless the status code itself says the address is bad.
        if (reason == BounceReason.UserUnknown && stage is SmtpStage.Data or SmtpStage.Unknown
                && !IsRecipientAddressStatus(status ?? SmtpCodes.FindStatus(lazyStage.Context))
                && !(diagnostic is not null && PhraseRules.SaysDirectoryVerdict(diagnostic))
                && !(lazyStage.Context is { } report && ProviderDirectoryVerdicts.Says(report)))
            return BounceReason.Filtered;
        return reason;
    }

    private static BounceReason? FromReplyCode(string? reply) => reply switch
    {
        "421" => BounceReason.SystemError,
        "452" or "552" => BounceReason.MailboxFull,
        "500" or "501" or "502" or "503" or "504" => BounceReason.SyntaxError,
        "521" or "556" => BounceReason.NotAccept,
        "551" => BounceReason.HasMoved,
        "553" => BounceReason.UserUnknown,
        _ => null,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? NormalizeStatus(string? status)
    {
        if (string.IsNullOrWhiteSpace(status)) return null;
        var found = SmtpCodes.FindStatus(status);
        return found;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Clean(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var joined = CollapseWhitespace(text);
        // Multi-line SMTP replies repeat "550-5.7.1" on every line; once joined those break up the sentence.
        return SmtpCodes.StripContinuations(joined);
    }

    /// <summary>Trims and turns every run of spaces, tabs and line breaks into one space.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string CollapseWhitespace(string text)
    {
        var input = text.AsSpan().Trim();
        if (input.IndexOfAny("\t\n\r") < 0 && input.IndexOf("  ", StringComparison.Ordinal) < 0)
            return input.Length == text.Length ? text : input.ToString();
        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(input.Length);
        try
        {
            var n = 0;
            var pendingSpace = false;
            foreach (var c in input)
            {
                if (c is ' ' or '\t' or '\n' or '\r')
                {
                    pendingSpace = true;
                    continue;
                }
                if (pendingSpace) buffer[n++] = ' ';
                pendingSpace = false;
                buffer[n++] = c;
            }
            return new string(buffer, 0, n);
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(buffer);
        }
    }
}

/// <summary>The SMTP stage of a failure, looked for only when a decision depends on it: the diagnostic first, then the wider report.</summary>
internal sealed class LazyStage(RecipientDraft draft, string? diagnostic)
{
    /// <summary>The wider report text the stage may have been found in.</summary>
    public string? Context => draft.Context;

    private SmtpStage? _value;

    public SmtpStage Value => _value ??= Find();

    private SmtpStage Find()
    {
        var stage = SmtpStages.Find(diagnostic);
        return stage != SmtpStage.Unknown ? stage : SmtpStages.Find(draft.Context);
    }
}

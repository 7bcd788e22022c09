using MimeKit;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Faults;
using Techmail.Mailboxes;
using Techmail.Observability;

namespace Techmail.Polling;

/// <summary>
/// A poll's examining stage: each message's key, parse, screening verdict and, when it would be accepted, what intake
/// is handed (for a Marketing mailbox, with the bounce classifier's findings). It writes nothing and every message is
/// its own, so a batch is examined on all cores; what one message makes throw sets only that message aside.
/// </summary>
public sealed class MessageExaminer(BounceClassifier classifier)
{
    /// <summary>One message's key, parse, screening verdict and, when it would be accepted, what intake is handed.</summary>
    public Examined Examine(PollRequest request, MessageScreen screen, FetchedMessage fetched)
    {
        var (remote, raw) = (fetched.Remote, fetched.Raw);
        var key = MessageKeys.For(remote.Uid, raw);
        using var span = MessageTrace.Start(MessageTrace.Screen, request.Tenant, request.Mailbox, key);
        if (!MessageParsing.TryParse(raw, out var message, out var problem))
        {
            span?.SetTag("techmail.verdict", "quarantined");
            return new Examined(key, null, problem, null, null, null);
        }

        // Screening and classifying read every part of hostile mail: what they throw on sets this message aside.
        var examined = MessageIsolation.One(
            () =>
            {
                var from = SenderOf(message);
                var verdict = screen.Screen(message, raw.LongLength);
                var inbound = verdict.Outcome == ScreenOutcome.Accept ? ToInbound(request, key, remote.Uid, message, from, raw) : null;
                return new Examined(key, message, problem, from, verdict, inbound);
            },
            failure =>
            {
                message.Dispose();
                return new Examined(key, null, $"could not be screened: {Faults.Faults.Summary(failure)}", null, null, null);
            });
        span?.SetTag("techmail.verdict", examined.Verdict?.Outcome switch
        {
            null => "quarantined",
            ScreenOutcome.Accept when examined.Inbound is null => "not_a_bounce",
            var outcome => outcome.ToString()!.ToLowerInvariant(),
        });
        return examined;
    }


    /// <summary>
    /// The message as intake receives it; for a Marketing mailbox with the classifier's findings, or null
    /// when it is not a bounce at all and must go to a person instead.
    /// </summary>
    public InboundMessage? ToInbound(PollRequest request, string key, string uid, MimeMessage message, string? from, byte[] raw)
    {
        var inbound = new InboundMessage(request.Tenant, request.Mailbox, request.Settings.Type, key, uid, message.MessageId, from, message.Subject, raw);
        if (request.Settings.Type != MailboxType.Marketing)
        {
            return inbound;
        }

        var bounce = classifier.Classify(message);
        return bounce.IsBounce
            ? inbound with
            {
                Bounces = Findings(bounce),
                Mailing = Mailing(bounce, message),
                OriginalMessageIds = BounceEvidence.MessageIds(message, bounce.OriginalMessageId),
            }
            : null;
    }

    public static string? SenderOf(MimeMessage message) => message.From.Mailboxes.FirstOrDefault()?.Address ?? message.Sender?.Address;

    public const string NotABounce = "not a bounce (a person's reply or request): a person should read it";

    private static IReadOnlyList<BounceFinding> Findings(BounceClassification bounce) => bounce.Recipients
        .Select(r => new BounceFinding(r.Recipient, BounceReasons.ToLabel(r.Reason), r.HardBounce, r.Status, r.ReplyCode, r.Diagnostic))
        .ToList();

    /// <summary>The original mailing: a VERP return address the bounce was sent to, else the original Message-ID.</summary>
    private static string? Mailing(BounceClassification bounce, MimeMessage message)
    {
        // The address the report came back to: the original envelope sender it quotes (which the classifier may have
        // taken from the returned From), the delivery's envelope recipient as the receiving server recorded it
        // (Delivered-To, X-Original-To), or the report's To; the first of them that has a VERP tag.
        var verp = new[] { bounce.OriginalEnvelopeFrom, message.Headers["Delivered-To"], message.Headers["X-Original-To"] }
            .Select(a => a?.Trim().Trim('<', '>'))
            .Concat(message.To.Mailboxes.Select(m => m.Address))
            .FirstOrDefault(a => a is not null && IsVerp(a));
        return verp is not null && IsVerp(verp) ? $"verp:{verp}" : bounce.OriginalMessageId is { } id ? $"message-id:{id}" : null;
    }

    // VERP encodes the recipient into the return path: bounces+someone=example.com@sender.example.
    private static bool IsVerp(string address) => address.IndexOf('@') is var at and > 0 && address.AsSpan(0, at).IndexOfAny('+', '=') >= 0;
}

/// <summary>One message examined: its key, and its parse and verdict, or why it could not be read (the parse is then null).</summary>
public sealed record Examined(string Key, MimeMessage? Message, string Problem, string? From, ScreenVerdict? Verdict, InboundMessage? Inbound);

using System.Text.RegularExpressions;
using Techmail.MailFactory;
using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Bench.Chaos;

/// <summary>
/// What the chaos load delivers, message by message, from the generator's seed: Service mail (questions, a fifth with
/// attachments, replies to acknowledgements received, redeliveries, flagged spam, blocked executables) and Marketing
/// mail (RFC 3464 bounces, people's replies), with about 5% hostile mail of every kind in both.
/// </summary>
public sealed partial class ChaosMix(MailGenerator generator, string run, IReadOnlyList<ChaosMailbox> mailboxes)
{
    private readonly List<DeliveredMail> _delivered = [];
    private readonly Dictionary<string, DeliveredMail> _byToken = new(StringComparer.Ordinal);
    private readonly Queue<(ChaosMailbox Mailbox, string Sender, string AckMessageId, string Reference)> _answerable = new();
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private int _acksSeen;

    public IReadOnlyList<DeliveredMail> Delivered => _delivered;

    /// <summary>The next message, its mailbox chosen by share: Service POP3 35%, Service IMAP 35%, Marketing 30%.</summary>
    public (ChaosMailbox Mailbox, DeliveredMail Mail) Next()
    {
        var token = MailToken.For(run, _delivered.Count);
        var share = generator.Next(100);
        var type = share < 70 ? MailboxType.Service : MailboxType.Marketing;
        var candidates = mailboxes.Where(m => m.Type == type && (type == MailboxType.Marketing || (share < 35) == (m.Protocol == MailProtocol.Pop3))).ToList();
        var mailbox = candidates[generator.Next(candidates.Count)];
        var (mail, firstCopy) = type == MailboxType.Service ? Service(mailbox, token) : (Marketing(token), null);
        var delivered = new DeliveredMail(mailbox.Name, mail, firstCopy);
        _delivered.Add(delivered);
        _byToken[token] = delivered;
        return (mailbox, delivered);
    }

    /// <summary>Takes note of acknowledgements that arrived, so customers can reply to them.</summary>
    public void SeeAcknowledgements(IReadOnlyList<ReceivedMail> sent)
    {
        for (; _acksSeen < sent.Count; _acksSeen++)
        {
            var ack = sent[_acksSeen];
            if (ack.Recipients.Contains(ChaosMailbox.RejectsAddress) || ack.Recipients.Count != 1)
            {
                continue;
            }

            var tokens = MailToken.FindAll(ack.Raw);
            if (tokens.Count != 1 || !_byToken.TryGetValue(tokens[0], out var original) || original.Mail.Hostile || !_answered.Add(tokens[0]))
            {
                continue;
            }

            var message = ack.Message;
            if (message.MessageId is { } id && Reference().Match(message.Subject ?? "") is { Success: true } reference)
            {
                var mailbox = mailboxes.First(m => m.Name == original.Mailbox);
                _answerable.Enqueue((mailbox, ack.Recipients[0], id, reference.Groups[1].Value));
            }
        }
    }

    private (GeneratedMail Mail, string? FirstCopy) Service(ChaosMailbox mailbox, string token)
    {
        var pick = generator.Next(1000);
        var sender = $"customer{_delivered.Count}@example.net";
        if (pick < 50)
        {
            return (generator.Hostile(generator.NextHostileKind(), token), null);
        }

        if (pick < 80 && _answerable.Count > 0)
        {
            var (_, customer, ackId, reference) = _answerable.Dequeue();
            return (generator.ServiceReply(token, customer, ackId, $"Re: [Incident: {reference}]"), null);
        }

        if (pick < 100 && _delivered.LastOrDefault(d => d.Mailbox == mailbox.Name && d.Mail.Kind is "ServiceQuestion" or "ServiceAttachment") is { } first)
        {
            return (generator.ServiceRedelivery(token, first.Mail), first.Mail.Token);
        }

        return pick switch
        {
            < 120 => (generator.FlaggedSpam(token, sender), null),
            < 130 => (generator.BlockedAttachment(token, sender), null),
            < 330 => (generator.ServiceQuestion(token, sender, generator.Next(2) == 0 ? "screenshot.png" : "invoice.pdf"), null),
            _ => (generator.ServiceQuestion(token, sender), null),
        };
    }

    private GeneratedMail Marketing(string token)
    {
        var pick = generator.Next(1000);
        return pick switch
        {
            < 50 => generator.Hostile(generator.NextHostileKind(), token),
            < 100 => generator.PersonReply(token, $"reader{_delivered.Count}@example.org"),
            _ => generator.Dsn(token, $"reader{_delivered.Count}@example.org"),
        };
    }

    [GeneratedRegex(@"\[Incident: ([0-9A-Za-z-]+)\]")]
    private static partial Regex Reference();
}

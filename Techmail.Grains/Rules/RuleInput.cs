using Techmail.Incidents.Parsing;

namespace Techmail.Rules;

/// <summary>What rules can look at in one message. Addresses are plain addr-specs.</summary>
/// <param name="Sender">Who speaks for the customer, the contact (From, then Sender, Return-Path; never Reply-To).</param>
/// <param name="From">The From address on its own, null when the message has none.</param>
/// <param name="Headers">Every header in message order, values decoded and on one line.</param>
/// <param name="Body">The reply text: what the customer wrote now, without quoted history and signature.</param>
/// <param name="FullBody">The whole text body, quoted history and all, for conditions that ask for it.</param>
/// <param name="HasAttachments">Files that came with the message; images shown inside the body do not count.</param>
public sealed record RuleInput(
    string Mailbox,
    string Sender,
    string? From,
    IReadOnlyList<string> To,
    IReadOnlyList<string> Cc,
    string Subject,
    string Body,
    string FullBody,
    IReadOnlyList<(string Name, string Value)> Headers,
    bool HasAttachments,
    bool ContactKnown,
    bool IsNew)
{
    // Named FromMessage, not From: a record cannot have a method named like its From property.
    public static RuleInput FromMessage(CustomerMessage message, string mailbox, bool contactKnown, bool isNew)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new RuleInput(
            mailbox,
            message.Sender.Address,
            message.From?.Address,
            message.To.Select(a => a.Address).ToList(),
            message.Cc.Select(a => a.Address).ToList(),
            message.Subject,
            // A word the customer only quoted (from our own acknowledgement, say) is not what they asked.
            message.ReplyText,
            message.TextBody,
            message.Headers,
            // Nearly every HTML signature carries an inline logo; "has attachments" means files the customer sent.
            message.Attachments.Any(a => !a.Inline),
            contactKnown,
            isNew);
    }
}

using Techmail.Outgoing;
using Techmail.Polling;

namespace Techmail.Bounces.Ties;

/// <summary>
/// Decides, for each recipient of each bounce or complaint, whether the report is about mail this tenant sent to that
/// recipient. The bounce address is public, so a report that merely looks like a DSN or an ARF complaint proves
/// nothing; only a tied report may mark an address invalid or opt it out. Untied reports are still recorded, with
/// the reason, so an admin sees what came in.
/// </summary>
/// <remarks>
/// The tie is the Message-ID of mail in the tenant's outbox, which every mail Techmail sends carries and standard
/// reports return, or the signed VERP tag of a mailing's recipient (<see cref="Mailings.MailingAttribution"/>) when
/// the report came back to one and names that recipient. Any other VERP-shaped bounce address
/// (bounces+someone=example.net@...) is recorded as the mailing but is no tie: anyone can write one for any victim.
/// </remarks>
public sealed class BounceTying(SentMailLookup sentMail, Mailings.MailingAttribution? mailings = null)
{
    public const string NotTied = "not tied to mail sent by this tenant";

    /// <summary>Every finding of every message, judged; one outbox query per tenant in the batch.</summary>
    public async Task<IReadOnlyList<JudgedBounce>> Judge(IReadOnlyList<InboundMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var judged = new List<JudgedBounce>();
        foreach (var tenant in messages.GroupBy(m => m.Tenant, StringComparer.Ordinal))
        {
            var ids = tenant.SelectMany(m => m.OriginalMessageIds ?? []).ToHashSet(StringComparer.Ordinal);
            var sent = await sentMail.Find(tenant.Key, ids);
            foreach (var message in tenant)
            {
                var tag = mailings is null ? null : await mailings.Tag(message);
                foreach (var finding in message.Bounces ?? [])
                {
                    var verdict = Judge(message, finding, sent);
                    // A report that lost the Message-ID (or quotes none) still came back to the recipient's own VERP address.
                    if (!verdict.IsTied && tag is not null && await mailings!.Names(tag, finding.Address))
                    {
                        verdict = verdict with { TiedTo = Mailings.MailingAttribution.TieOf(tag), Untied = null };
                    }

                    judged.Add(verdict);
                }
            }
        }

        return judged;
    }

    /// <param name="sent">The tenant's outbox mail with any of the ids the batch's reports name.</param>
    public static JudgedBounce Judge(InboundMessage message, BounceFinding finding, IReadOnlyList<SentMail> sent)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(sent);
        var ids = message.OriginalMessageIds ?? [];
        if (ids.Count == 0)
        {
            return Untied("the report names no Message-ID");
        }

        var named = sent.Where(s => ids.Contains(s.MessageId, StringComparer.Ordinal)).ToList();
        if (named.Count == 0)
        {
            return Untied(ids.Count == 1
                ? $"no mail in the outbox has Message-ID <{ids[0]}>"
                : $"no mail in the outbox has any of the {ids.Count} Message-IDs the report names (first <{ids[0]}>)");
        }

        // A report tied to real mail may still name someone else: only that mail's own recipients are affected.
        var address = AddressKey.Normalize(finding.Address);
        var tied = named.FirstOrDefault(s => s.Recipients.Any(r => AddressKey.Normalize(r) == address));
        return tied is null
            ? Untied($"{address} was not a recipient of <{named[0].MessageId}>")
            : new JudgedBounce(message, finding, $"message-id:{tied.MessageId}", null);

        JudgedBounce Untied(string why) => new(message, finding, null, $"{NotTied}: {why}");
    }
}

/// <summary>One recipient of one report, and what it was tied to (<paramref name="TiedTo"/>) or why not (<paramref name="Untied"/>).</summary>
public sealed record JudgedBounce(InboundMessage Message, BounceFinding Finding, string? TiedTo, string? Untied)
{
    public bool IsTied => TiedTo is not null;
}

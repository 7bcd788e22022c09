using System.Globalization;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Security;

namespace Techmail.Mailings;

/// <summary>
/// Finds the mailing recipient a bounce or complaint is about: by the signed VERP tag of the address the report came
/// back to (its envelope recipient, or the original envelope sender it quotes), else by the original Message-ID the
/// report names. A tag counts only when its signature is the tenant's and the reported address is the recipient's
/// at that place in the list, so neither a forged tag nor a real one turned against a third party attributes anything.
/// </summary>
public sealed class MailingAttribution(MailingStore store, TrackingKeys keys)
{
    public const string TiePrefix = "mailing:";

    /// <summary>The verified tag of the VERP address the report came back to; null when it has none of ours.</summary>
    public async Task<RecipientTag?> Tag(InboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Mailing is not { } mailing || !mailing.StartsWith("verp:", StringComparison.Ordinal))
        {
            return null;
        }

        return RecipientTag.FromVerp(mailing["verp:".Length..], message.Tenant, await keys.For(message.Tenant, TrackingKeys.Mailing));
    }

    /// <summary>Whether <paramref name="address"/> is the recipient the tag names (what ties a report by VERP).</summary>
    public async Task<bool> Names(RecipientTag tag, string address) =>
        await store.Recipient(tag.Mailing, tag.Index) is { } recipient && AddressKey.Normalize(recipient.Address) == AddressKey.Normalize(address);

    /// <summary>The tie a VERP tag makes, as bounce rows record it.</summary>
    public static string TieOf(RecipientTag tag) => TiePrefix + string.Create(CultureInfo.InvariantCulture, $"{tag.Mailing}:{tag.Index}:{tag.Attempt}");

    /// <summary>Each tied finding that is about a mailing's recipient, with the mailing's key and what to tell it.</summary>
    public async Task<IReadOnlyList<(string MailingKey, MailingBounce Bounce)>> Attribute(IReadOnlyList<JudgedBounce> judged)
    {
        var found = new List<(string, MailingBounce)>();
        var tied = judged.Where(j => j.IsTied).ToList();
        foreach (var tenant in tied.GroupBy(j => j.Message.Tenant, StringComparer.Ordinal))
        {
            var ids = tenant.Select(j => j.TiedTo!).Where(t => t.StartsWith("message-id:", StringComparison.Ordinal)).Select(t => t["message-id:".Length..]).ToList();
            var byMessageId = (await store.SendsByMessageId(tenant.Key, ids)).ToDictionary(s => s.MessageId, StringComparer.Ordinal);
            foreach (var j in tenant)
            {
                (long Mailing, long Index, int Attempt)? send = null;
                if (await Tag(j.Message) is { } tag && await Names(tag, j.Finding.Address))
                {
                    send = (tag.Mailing, tag.Index, tag.Attempt);
                }
                else if (j.TiedTo!.StartsWith(TiePrefix, StringComparison.Ordinal))
                {
                    send = MailingStore.ParseOutboxKey(j.TiedTo);
                }
                else if (j.TiedTo.StartsWith("message-id:", StringComparison.Ordinal) && byMessageId.TryGetValue(j.TiedTo["message-id:".Length..], out var s))
                {
                    send = (s.Mailing, s.Index, s.Attempt);
                }

                if (send is { } at)
                {
                    var f = j.Finding;
                    found.Add((MailingKey.For(tenant.Key, at.Mailing), new MailingBounce(at.Index, j.Message.MessageKey, at.Attempt, f.Reason, f.HardBounce, f.Diagnostic)));
                }
            }
        }

        return found;
    }
}

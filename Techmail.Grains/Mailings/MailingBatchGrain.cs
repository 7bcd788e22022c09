using Microsoft.Extensions.Logging;
using Techmail.Bounces;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Security;

namespace Techmail.Mailings;

/// <summary>
/// Composes one slice of a mailing and queues it: suppressed addresses are skipped, each other recipient's mail goes
/// into the mailbox's outbox in the same transaction that marks the recipient queued. Keyed "tenant/id/slot", so a
/// large mailing's slices are spread over the cluster's silos; the template, identity and key stay warm per activation.
/// </summary>
public sealed class MailingBatchGrain(MailingStore store, MailingPolicy policy, TrackingKeys keys, TimeProvider time, ILogger<MailingBatchGrain> logger)
    : Grain, IMailingBatchGrain
{
    private MailingComposer? _composer;
    private OutgoingSettings? _composedFor;

    private string Tenant => MailingKey.Parse(this.GetPrimaryKeyString()).Tenant;

    private long Id => MailingKey.Parse(this.GetPrimaryKeyString()).Id;

    public async Task<int> Queue(IReadOnlyList<long> indexes)
    {
        if (await store.Get(Tenant, Id) is not { State: MailingState.Sending } mailing)
        {
            return 0;
        }

        var mailbox = GrainFactory.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, mailing.Mailbox));
        if ((await mailbox.Get())?.Settings.Outgoing is not { } outgoing)
        {
            // Nothing is queued, so nothing is lost: the recipients stay pending until the mailbox can send again.
            logger.LogWarning("Mailing {Tenant}/{Id}: mailbox '{Mailbox}' has no outgoing settings; recipients wait", Tenant, Id, mailing.Mailbox);
            return 0;
        }

        var composer = await Composer(mailing, outgoing);
        var rows = (await store.Slice(Id, indexes)).Where(r => r.State is MailingStore.Pending or MailingStore.Retry).ToList();
        var unmailable = await store.Unmailable(Tenant, rows.Select(r => AddressKey.Normalize(r.Address)).ToList());
        var now = time.GetUtcNow();
        var composed = new List<(ComposedRecipient, int)>(rows.Count);
        var suppressed = new List<(long, string)>();
        var givenUp = new List<long>();
        foreach (var row in rows)
        {
            // Checked at send time, not when the list was made: a bounce, complaint or unsubscribe that came in since
            // counts, for a retry as much as for a first send. The mailing grain ends a retry when the recipient's own
            // complaint, unsubscribe or hard bounce reaches it, but the address can also be flagged invalid or opted out
            // by another mailing, another mailbox or an admin meanwhile, and only this look sees that. Soft bounces flag
            // an address too once they reach the bounce policy's limit: a retry to it has then failed, as one whose
            // window ran out has, rather than been suppressed.
            if (unmailable.TryGetValue(AddressKey.Normalize(row.Address), out var why))
            {
                if (row.State == MailingStore.Retry && why.AfterSoftBounces)
                {
                    givenUp.Add(row.Index);
                }
                else
                {
                    suppressed.Add((row.Index, why.Reason));
                }

                continue;
            }

            composed.Add((composer.Compose(row, row.Attempts + 1, now), row.Attempts));
        }

        var queued = await store.Queue(Tenant, mailing.Mailbox, Id, composed, suppressed, now, givenUp);
        Observability.TechmailMetrics.MailingSliceQueued(queued, suppressed.Count);
        if (queued > 0)
        {
            await GrainFactory.GetGrain<IOutboxGrain>(MailboxKey.For(Tenant, mailing.Mailbox)).Wake();
        }

        return queued;
    }

    private async Task<MailingComposer> Composer(MailingRow mailing, OutgoingSettings outgoing)
    {
        if (_composer is null || _composedFor != outgoing)
        {
            var (template, errors) = MailingTemplate.Parse(mailing.Template, mailing.Fields);
            var key = await keys.For(Tenant, TrackingKeys.Mailing);
            _composer = new MailingComposer(template ?? throw new InvalidOperationException(string.Join("; ", errors)), outgoing, Tenant, mailing.Mailbox, Id, key, policy.PublicUrl);
            _composedFor = outgoing;
        }

        return _composer;
    }
}

using Orleans.Concurrency;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Contacts;
using Techmail.Polling;

namespace Techmail.Intake;

/// <summary>
/// Takes Marketing mail the mailbox has classified as bounces: ties each reported recipient to mail the tenant sent
/// (or finds it untied), records a bounce event on each tied address (which applies the invalid-address policy),
/// then the message and one bounce row per recipient, tied or not.
/// </summary>
[StatelessWorker]
public sealed class BounceIntakeGrain(InboundStore store, BounceTying tying) : Grain, IBounceIntakeGrain
{
    public async Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages)
    {
        var judged = await tying.Judge(messages);

        // Addresses first: each bounce is keyed by its message, so a retry after a failure here records nothing twice.
        // An untied report never reaches the address: the bounce address is public, and a forged report must not
        // invalidate or opt out anyone.
        var updates = new List<Task>();
        foreach (var j in judged.Where(j => j.IsTied))
        {
            var (m, b) = (j.Message, j.Finding);
            var bounce = new BounceEvent(m.Mailbox, m.MessageKey, b.Reason, b.HardBounce, b.Status, b.ReplyCode, b.Diagnostic, m.Mailing, DateTimeOffset.UtcNow);
            updates.Add(GrainFactory.GetGrain<IAddressGrain>(AddressKey.For(m.Tenant, b.Address)).RecordBounce(bounce));
        }

        await Task.WhenAll(updates);
        return await store.Record("bounce", messages, (connection, transaction, now) => BounceStore.Record(connection, transaction, judged, now));
    }
}

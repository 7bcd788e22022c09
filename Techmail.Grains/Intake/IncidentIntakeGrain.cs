using Orleans.Concurrency;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Intake;

/// <summary>
/// Records Service mail durably, then wakes each mailbox's incident builder: the mailbox may delete the mail from the
/// server as soon as the record commits, and incidents follow in the background.
/// </summary>
[StatelessWorker]
public sealed class IncidentIntakeGrain(InboundStore store) : Grain, IIncidentIntakeGrain
{
    public async Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages)
    {
        var receipt = await store.Record("incident", messages);
        foreach (var mailbox in messages.Select(m => MailboxKey.For(m.Tenant, m.Mailbox)).Distinct(StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<IIncidentBuilderGrain>(mailbox).Wake();
        }

        return receipt;
    }
}

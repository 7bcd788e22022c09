using Techmail.Mailboxes;
using Techmail.Paging;

namespace Techmail.Quarantine;

public sealed class QuarantineGrain(QuarantineStore store, ReprocessOutcomes outcomes, Audit.AuditLog audit) : Grain, IQuarantineGrain
{
    private string Tenant => this.GetPrimaryKeyString();

    public Task<ListPage<QuarantinedMessage>> List(string? mailbox, bool includeResolved, int take, ListPosition? after = null) =>
        store.List(Tenant, mailbox, includeResolved, Math.Clamp(take, 1, QuarantineStore.MaxTake), after);

    public async Task<QuarantinedMessage?> Get(string id) => (await store.Get(Tenant, id))?.Message;

    public Task<byte[]?> GetRaw(string id) => store.GetRaw(Tenant, id);

    public async Task<ReprocessOutcome> Reprocess(string id)
    {
        var held = await store.Get(Tenant, id)
            ?? throw new MailboxException(MailboxErrorKind.NotFound, $"quarantined message '{id}' does not exist.");
        // The mailbox owns screening and hand-off, so reprocessing goes through it.
        return await GrainFactory.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, held.Message.Mailbox)).Reprocess(id);
    }

    public async Task<ReprocessOutcome?> Outcome(string id)
    {
        var held = await store.Get(Tenant, id)
            ?? throw new MailboxException(MailboxErrorKind.NotFound, $"quarantined message '{id}' does not exist.");
        return held.Message.State switch
        {
            QuarantineState.Reprocessed => await outcomes.Of(Tenant, held.Message),
            QuarantineState.Held when await store.WasResolved(Tenant, id) => ReprocessOutcomes.HeldAgain(held.Message),
            _ => null,
        };
    }

    public async Task<bool> Drop(string id)
    {
        var held = await store.Get(Tenant, id);
        if (held is not { Message: var message } || !await store.SetState(Tenant, id, QuarantineState.Dropped))
        {
            return false;
        }

        var mailbox = message.Mailbox;
        await audit.Record(Tenant, Audit.AuditActions.QuarantineDrop, id, new { mailbox, state = message.State }, new { mailbox, state = QuarantineState.Dropped });
        return true;
    }
}

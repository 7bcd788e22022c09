using Techmail.Bounces;
using Techmail.Observability;

namespace Techmail.Contacts;

public sealed class AddressGrain(
    [PersistentState("address", StorageNames.Grains)] IPersistentState<AddressState> state,
    AddressStore store,
    BouncePolicy policy,
    Audit.AuditLog audit,
    Webhooks.WebhookEvents webhooks,
    TimeProvider time) : Grain, IAddressGrain
{
    private string Tenant => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().IndexOf('/')];
    private string Address => this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().IndexOf('/') + 1)..];

    public async Task<AddressStatus> RecordBounce(BounceEvent bounce)
    {
        var wasInvalid = state.State.Invalid;
        if (AddressPolicy.Apply(state.State, bounce, policy))
        {
            if (state.State.Invalid && !wasInvalid)
            {
                // Queued before the state is written, so a crash between the two raises it again (the same event id)
                // rather than never; if it cannot be queued, the change is dropped with this activation and comes again.
                try
                {
                    await webhooks.Raise(Webhooks.WebhookPayloads.AddressInvalidated(Tenant, Address, state.State.InvalidReason, state.State.InvalidSince ?? time.GetUtcNow()));
                }
                catch
                {
                    DeactivateOnIdle();
                    throw;
                }
            }

            await state.WriteStateAsync();
            await store.Upsert(Tenant, View());
            if (state.State.Invalid && !wasInvalid)
            {
                TechmailMetrics.AddressInvalidated();
            }
        }

        return View();
    }

    public Task<AddressStatus> Get() => Task.FromResult(View());

    public async Task<AddressStatus> Revalidate()
    {
        var before = Flags();
        AddressPolicy.Revalidate(state.State, time.GetUtcNow());
        await state.WriteStateAsync();
        await store.Upsert(Tenant, View());
        await audit.Record(Tenant, Audit.AuditActions.ContactRevalidate, Address, before, Flags());
        return View();
    }

    /// <summary>What an admin's revalidation changes, for the audit log (the bounce history stays as it was).</summary>
    private object Flags() => new { invalid = state.State.Invalid, invalidReason = state.State.InvalidReason, optedOut = state.State.OptedOut };

    private AddressStatus View() => new(
        Address,
        state.State.Invalid,
        state.State.InvalidReason,
        state.State.InvalidSince,
        state.State.OptedOut,
        state.State.History.ToList());
}

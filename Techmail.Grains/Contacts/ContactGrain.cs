using Techmail.Bounces;

namespace Techmail.Contacts;

/// <summary>
/// One service contact: decides whether a sender is known, and which name it goes by. It does not write: the
/// incident builder writes the contact row in the same transaction as the incident that needs it, so a contact never
/// exists without its mail having been stored, and thousands of new senders do not cost a commit each.
/// </summary>
public sealed class ContactGrain(ContactStore store, TimeProvider time) : Grain, IContactGrain
{
    private ContactView? _contact;
    private bool _loaded;

    private string Tenant => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().IndexOf('/')];
    private string Address => this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().IndexOf('/') + 1)..];

    public async Task<ContactLookup> FindOrCreate(string? name, bool create, StoredContact? stored = null)
    {
        if (!_loaded && stored is not null)
        {
            (_contact, _loaded) = (stored.Contact, true);
        }

        var known = await Load();
        var cleanName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (known is not null)
        {
            // A name only fills a gap: what a mail client puts in From is not allowed to rename a known contact.
            _contact = known.Name is null && cleanName is not null ? known with { Name = cleanName } : known;
            return new ContactLookup(_contact, Existed: true);
        }

        if (!create)
        {
            return new ContactLookup(null, Existed: false);
        }

        _contact = new ContactView(AddressKey.Normalize(Address), cleanName, time.GetUtcNow());
        return new ContactLookup(_contact, Existed: false);
    }

    /// <summary>The stored contact: one decided on for mail not yet written (or set aside) does not exist yet.</summary>
    public Task<ContactView?> Get() => store.Get(Tenant, Address);

    private async Task<ContactView?> Load()
    {
        if (!_loaded)
        {
            _contact = await store.Get(Tenant, Address);
            _loaded = true;
        }

        return _contact;
    }
}

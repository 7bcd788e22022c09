namespace Techmail.Contacts;

/// <summary>A person who writes to a Service mailbox. Key: <see cref="Bounces.AddressKey.For"/> (tenant and normalised address).</summary>
[Alias("Techmail.IContactGrain")]
public interface IContactGrain : IGrainWithStringKey
{
    /// <summary>
    /// The contact, created when unknown and <paramref name="create"/> is set (null otherwise). A known contact's name
    /// is filled in when it had none; an existing name is never overwritten by whatever a mail client sends.
    /// </summary>
    /// <param name="stored">
    /// What storage held for the address when the caller looked, read for a whole batch of senders at once, so a
    /// new activation need not read its row again; null when the caller did not look.
    /// </param>
    [Alias("FindOrCreate"), Requires(Permission.Engine)]
    Task<ContactLookup> FindOrCreate(string? name, bool create, StoredContact? stored = null);

    [Alias("Get"), Requires(Permission.ReadWork)]
    Task<ContactView?> Get();
}

[GenerateSerializer, Immutable, Alias("Techmail.ContactView")]
public sealed record ContactView(
    [property: Id(0)] string Address,
    [property: Id(1)] string? Name,
    [property: Id(2)] DateTimeOffset Created);

/// <param name="Contact">Null when the address is unknown and creating it was not allowed.</param>
/// <param name="Existed">Whether the contact was known before this lookup (the rules' "contact known").</param>
[GenerateSerializer, Immutable, Alias("Techmail.ContactLookup")]
public sealed record ContactLookup(
    [property: Id(0)] ContactView? Contact,
    [property: Id(1)] bool Existed);

/// <summary>A batch read of the contact table: the row for one address, or that there was none.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.StoredContact")]
public sealed record StoredContact([property: Id(0)] ContactView? Contact);

using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Techmail.Security.KeyRing;

/// <summary>
/// Where the Data Protection key ring is kept, with what Data Protection's own repository lacks: each entry's name, and
/// replacing an entry in place, so entries written before the ring was sealed (or sealed with a retired key file) can be
/// sealed again with the current key file.
/// </summary>
public interface IKeyRingStore : IXmlRepository
{
    IReadOnlyList<KeyRingEntry> ReadAll();

    void Replace(string name, XElement element);
}

/// <param name="Name">The entry's friendly name (<c>key-GUID</c>), unique in the ring.</param>
public sealed record KeyRingEntry(string Name, XElement Element);

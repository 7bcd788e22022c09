using System.Xml.Linq;

namespace Techmail.Security.KeyRing;

/// <summary>
/// The embedded profile's key ring: one XML file per entry in <c>DATA/keys</c>, named as Data Protection's own file
/// repository names them (<c>key-GUID.xml</c>), so a data directory from an earlier build is read as it is.
/// </summary>
public sealed class KeyRingDirectory(string directory) : IKeyRingStore
{
    public string Directory { get; } = directory;

    public IReadOnlyCollection<XElement> GetAllElements() => ReadAll().Select(e => e.Element).ToList();

    public IReadOnlyList<KeyRingEntry> ReadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return System.IO.Directory.GetFiles(Directory, "*.xml")
            .Order(StringComparer.Ordinal)
            .Select(file => new KeyRingEntry(Path.GetFileNameWithoutExtension(file), XElement.Load(file)))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName) => Write(friendlyName, element);

    public void Replace(string name, XElement element) => Write(name, element);

    private void Write(string name, XElement element)
    {
        System.IO.Directory.CreateDirectory(Directory);
        // A temporary file moved into place: a crash mid-write never leaves half an entry behind.
        var target = Path.Combine(Directory, name + ".xml");
        var temporary = Path.Combine(Directory, $"{name}.{Guid.NewGuid():N}.tmp");
        element.Save(temporary, SaveOptions.DisableFormatting);
        File.Move(temporary, target, overwrite: true);
    }
}

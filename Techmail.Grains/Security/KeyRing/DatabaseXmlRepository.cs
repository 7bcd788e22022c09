using System.Xml.Linq;
using Techmail.Storage;

namespace Techmail.Security.KeyRing;

/// <summary>
/// Keeps the Data Protection key ring in the shared database, so every silo of a cluster can unseal the
/// passwords any other silo sealed; each entry's secret is sealed with the key file (see <see cref="KeyFileXmlEncryptor"/>),
/// which is not in the database. (The embedded profile keeps the ring as files in the data directory.)
/// </summary>
public sealed class DatabaseXmlRepository(TechmailDatabase database) : IKeyRingStore
{
    // Data Protection calls these synchronously, rarely (start-up and key rotation), so blocking is fine here.
    public IReadOnlyCollection<XElement> GetAllElements() => ReadAll().Select(e => e.Element).ToList();

    public IReadOnlyList<KeyRingEntry> ReadAll()
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        using var command = TechmailDatabase.Command(connection, "SELECT friendly_name, xml FROM techmail_dataprotection_keys ORDER BY friendly_name");
        using var reader = command.ExecuteReader();
        var entries = new List<KeyRingEntry>();
        while (reader.Read())
        {
            entries.Add(new KeyRingEntry(reader.GetString(0), XElement.Parse(reader.GetString(1))));
        }

        return entries;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        using var command = TechmailDatabase.Command(
            connection,
            "INSERT INTO techmail_dataprotection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING",
            ("@name", friendlyName), ("@xml", element.ToString(SaveOptions.DisableFormatting)));
        command.ExecuteNonQuery();
    }

    public void Replace(string name, XElement element)
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        using var command = TechmailDatabase.Command(
            connection,
            "UPDATE techmail_dataprotection_keys SET xml = @xml WHERE friendly_name = @name",
            ("@name", name), ("@xml", element.ToString(SaveOptions.DisableFormatting)));
        command.ExecuteNonQuery();
    }
}

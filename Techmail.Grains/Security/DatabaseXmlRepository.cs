using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Techmail.Storage;

namespace Techmail.Security;

/// <summary>
/// Keeps the Data Protection key ring in the shared database, so every silo of a cluster can unseal the
/// passwords any other silo sealed. (The embedded profile keeps it as files in the data directory.)
/// </summary>
public sealed class DatabaseXmlRepository(TechmailDatabase database) : IXmlRepository
{
    // Data Protection calls these synchronously, rarely (start-up and key rotation), so blocking is fine here.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        using var command = TechmailDatabase.Command(connection, "SELECT xml FROM techmail_dataprotection_keys ORDER BY friendly_name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
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
}

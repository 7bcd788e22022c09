using System.Data.Common;
using Techmail.Storage;

namespace Techmail.Contacts;

/// <summary>
/// Service contacts in <c>techmail_contacts</c>. Rows are written with the incidents that need them (an upsert that
/// keeps an existing name), so two mailboxes meeting the same new sender at once cannot clash.
/// </summary>
public sealed class ContactStore(TechmailDatabase database)
{
    public async Task<ContactView?> Get(string tenant, string address) => (await GetMany(tenant, [address])).GetValueOrDefault(address);

    /// <summary>The stored contacts among <paramref name="addresses"/>, in one query.</summary>
    public async Task<Dictionary<string, ContactView>> GetMany(string tenant, IReadOnlyCollection<string> addresses)
    {
        var found = new Dictionary<string, ContactView>(StringComparer.Ordinal);
        if (addresses.Count == 0)
        {
            return found;
        }

        var (list, parameters) = TechmailDatabase.InList("a", addresses.ToList());
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT address, name, created_utc FROM techmail_contacts WHERE tenant = @tenant AND address IN ({list})",
            [("@tenant", tenant), .. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetString(0)] = new ContactView(reader.GetString(0), reader.StringOrNull(1), reader.Utc(2));
        }

        return found;
    }

    /// <summary>Creates the row, or fills in a missing name; an existing name and creation time are kept.</summary>
    public async Task Save(string tenant, ContactView contact, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Save(connection, transaction, tenant, [contact], now);
        await transaction.CommitAsync();
    }

    /// <summary>The same for many contacts (distinct addresses) inside a caller's transaction.</summary>
    public static Task Save(DbConnection connection, DbTransaction transaction, string tenant, IReadOnlyList<ContactView> contacts, DateTimeOffset now) =>
        MultiRowInsert.Execute(
            connection,
            transaction,
            "techmail_contacts",
            ["tenant", "address", "name", "created_utc", "updated_utc"],
            [.. contacts.Select(c => new object?[] { tenant, c.Address, c.Name, c.Created.UtcDateTime, now.UtcDateTime })],
            "ON CONFLICT (tenant, address) DO UPDATE SET name = COALESCE(techmail_contacts.name, excluded.name), updated_utc = excluded.updated_utc");
}

using Techmail.Bounces;
using Techmail.Paging;
using Techmail.Storage;

namespace Techmail.Contacts;

/// <summary>The relational copy of address flags, so a tenant's invalid addresses can be listed without visiting every grain.</summary>
public sealed class AddressStore(TechmailDatabase database)
{
    public async Task Upsert(string tenant, AddressStatus status)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_addresses (tenant, address, invalid, invalid_reason, invalid_since, opted_out, bounce_count, updated_utc)
            VALUES (@tenant, @address, @invalid, @reason, @since, @optedOut, @count, @updated)
            ON CONFLICT (tenant, address) DO UPDATE SET
                invalid = excluded.invalid, invalid_reason = excluded.invalid_reason, invalid_since = excluded.invalid_since,
                opted_out = excluded.opted_out, bounce_count = excluded.bounce_count, updated_utc = excluded.updated_utc
            """,
            ("@tenant", tenant), ("@address", status.Address), ("@invalid", status.Invalid ? 1 : 0), ("@reason", status.InvalidReason),
            ("@since", status.InvalidSince?.UtcDateTime), ("@optedOut", status.OptedOut ? 1 : 0), ("@count", status.History.Count),
            ("@updated", DateTime.UtcNow));
        await command.ExecuteNonQueryAsync();
    }

    public const int MaxTake = 10_000;

    /// <summary>The addresses not to mail in address order (the primary key's), after <paramref name="after"/> when given.</summary>
    public async Task<ListPage<AddressStatus>> Unmailable(string tenant, int take, string? after = null)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT address, invalid, invalid_reason, invalid_since, opted_out FROM techmail_addresses"
            + " WHERE tenant = @tenant AND (invalid = 1 OR opted_out = 1)"
            + (after is null ? "" : " AND address > @after")
            + " ORDER BY address LIMIT @take",
            ("@tenant", tenant), ("@after", after), ("@take", take + 1));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AddressStatus>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AddressStatus(
                reader.GetString(0),
                Convert.ToInt32(reader.GetValue(1)) == 1,
                reader.StringOrNull(2),
                reader.UtcOrNull(3),
                Convert.ToInt32(reader.GetValue(4)) == 1,
                []));
        }

        return KeysetPage.Of(rows, take, a => ListPosition.OfName(a.Address));
    }
}

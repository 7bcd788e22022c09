using System.Globalization;
using Techmail.Storage;

namespace Techmail.Incidents;

/// <summary>
/// Reserves blocks of incident reference numbers per tenant and day in <c>techmail_reference_blocks</c>.
/// One atomic upsert per block: concurrent silos each get a range no other silo holds.
/// </summary>
public sealed class IncidentReferenceStore(TechmailDatabase database)
{
    /// <returns>
    /// The first of the <paramref name="size"/> numbers reserved for the caller alone. It may lie past the day's last
    /// number; <see cref="ReferenceBlockAllocator"/>, which owns that limit, cuts the block or reports the day full.
    /// </returns>
    /// <remarks>Has the shape of <see cref="ReserveReferenceBlock"/>, so the allocator can use it directly.</remarks>
    public async Task<long> ReserveBlock(string tenant, DateOnly day, int size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_reference_blocks (tenant, day, next_number) VALUES (@tenant, @day, 1 + @size)
            ON CONFLICT (tenant, day) DO UPDATE SET next_number = techmail_reference_blocks.next_number + @size
            RETURNING next_number - @size
            """,
            ("@tenant", tenant),
            ("@day", day.ToString("yyMMdd", CultureInfo.InvariantCulture)),
            ("@size", (long)size));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}

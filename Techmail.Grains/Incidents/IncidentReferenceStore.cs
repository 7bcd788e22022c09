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
    /// The numbers reserved for the caller alone: <paramref name="size"/> of them, fewer when the day's last number
    /// comes first.
    /// </returns>
    public async Task<(long First, long Last)> ReserveBlock(string tenant, DateOnly day, int size, CancellationToken cancellationToken = default)
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
        var first = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        if (first > IncidentReference.MaxSequence)
        {
            throw new InvalidOperationException($"tenant '{tenant}' has used all {IncidentReference.MaxSequence:N0} incident numbers of {day:yyyy-MM-dd}.");
        }

        return (first, Math.Min(first + size - 1, IncidentReference.MaxSequence));
    }
}

using System.Data.Common;
using System.Text;

namespace Techmail.Storage;

/// <summary>
/// INSERT of many rows in few statements. A batch of mail writes hundreds of rows; one statement per row costs
/// more in preparing and executing than the rows themselves.
/// </summary>
public static class MultiRowInsert
{
    // Below SQLite's historic limit of 999 parameters per statement, so no build of SQLite is too old for it.
    private const int MaxParameters = 900;

    /// <param name="onConflict">An ON CONFLICT clause for every statement, or null.</param>
    public static async Task Execute(
        DbConnection connection,
        DbTransaction transaction,
        string table,
        IReadOnlyList<string> columns,
        IReadOnlyList<object?[]> rows,
        string? onConflict = null)
    {
        var perStatement = Math.Max(1, MaxParameters / columns.Count);
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - start);
            var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
            var parameters = new (string, object?)[count * columns.Count];
            for (var r = 0; r < count; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    var name = $"@p{r}_{c}";
                    sql.Append(c == 0 ? name : $", {name}");
                    parameters[(r * columns.Count) + c] = (name, rows[start + r][c]);
                }

                sql.Append(')');
            }

            if (onConflict is not null)
            {
                sql.Append(' ').Append(onConflict);
            }

            await using var command = TechmailDatabase.Command(connection, sql.ToString(), parameters);
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync();
        }
    }
}

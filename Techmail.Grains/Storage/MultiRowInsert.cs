using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Techmail.Storage;

/// <summary>
/// INSERT of many rows in one transaction, each database its cheapest way. A batch of mail writes hundreds of rows.
/// PostgreSQL pays a round trip per statement, so rows go several to a statement there. SQLite runs in process and
/// looks a named parameter up by a linear search, so a statement of hundreds of parameters costs quadratic time to
/// bind; there one prepared single-row statement is run once per row.
/// </summary>
public static class MultiRowInsert
{
    // Below SQLite's historic limit of 999 parameters per statement, so no build of SQLite is too old for it.
    private const int MaxParameters = 900;

    /// <param name="onConflict">An ON CONFLICT clause for every statement, or null.</param>
    /// <returns>The rows inserted or updated.</returns>
    public static Task<int> Execute(
        DbConnection connection,
        DbTransaction transaction,
        string table,
        IReadOnlyList<string> columns,
        IReadOnlyList<object?[]> rows,
        string? onConflict = null) =>
        rows.Count == 0 ? Task.FromResult(0)
        : connection is SqliteConnection ? RowByRow(connection, transaction, table, columns, rows, onConflict)
        : SeveralPerStatement(connection, transaction, table, columns, rows, onConflict);

    private static async Task<int> RowByRow(
        DbConnection connection,
        DbTransaction transaction,
        string table,
        IReadOnlyList<string> columns,
        IReadOnlyList<object?[]> rows,
        string? onConflict)
    {
        var names = columns.Select((_, c) => $"@c{c}").ToArray();
        var sql = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", names)}) {onConflict}";
        await using var command = TechmailDatabase.Command(connection, sql, [.. names.Select(n => (n, (object?)null))]);
        command.Transaction = transaction;
        var changed = 0;
        foreach (var row in rows)
        {
            for (var c = 0; c < names.Length; c++)
            {
                command.Parameters[c].Value = StorageText.Bind(row[c]);
            }

            // The command keeps its prepared statement while its text stays the same.
            changed += await command.ExecuteNonQueryAsync();
        }

        return changed;
    }

    private static async Task<int> SeveralPerStatement(
        DbConnection connection,
        DbTransaction transaction,
        string table,
        IReadOnlyList<string> columns,
        IReadOnlyList<object?[]> rows,
        string? onConflict)
    {
        var perStatement = Math.Max(1, MaxParameters / columns.Count);
        var changed = 0;
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
            changed += await command.ExecuteNonQueryAsync();
        }

        return changed;
    }
}

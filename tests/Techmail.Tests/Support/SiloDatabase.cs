using Microsoft.Data.Sqlite;

namespace Techmail.Tests.Support;

/// <summary>Reads an embedded silo's SQLite file directly, as an operator with sqlite3 would, without pooling.</summary>
public static class SiloDatabase
{
    public static async Task<object?> Query(string dataDirectory, string sql, params (string Name, object Value)[] parameters)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "techmail.db"), Pooling = false, DefaultTimeout = 30 }.ToString();
        await using var connection = new SqliteConnection(cs);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync();
    }

    public static async Task<long> Count(string dataDirectory, string sql, params (string Name, object Value)[] parameters) =>
        (long)(await Query(dataDirectory, sql, parameters))!;
}

using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Techmail.Storage;

/// <summary>
/// The relational database behind both the Orleans providers and Techmail's own read model.
/// SQL written against it sticks to what SQLite and PostgreSQL both understand (named @parameters, ON CONFLICT).
/// </summary>
public sealed class TechmailDatabase
{
    public TechmailDatabase(StorageKind kind, string connectionString)
    {
        Kind = kind;
        ConnectionString = connectionString;
        Factory = kind switch
        {
            StorageKind.Sqlite => SqliteFactory.Instance,
            StorageKind.PostgreSql => NpgsqlFactory.Instance,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    public StorageKind Kind { get; }

    public string ConnectionString { get; }

    public DbProviderFactory Factory { get; }

    /// <summary>The invariant name the Orleans ADO.NET providers know this database by.</summary>
    public string AdoInvariant => Kind == StorageKind.Sqlite ? "System.Data.SQLite" : "Npgsql";

    public static TechmailDatabase ForSqliteFile(string path) =>
        new(StorageKind.Sqlite, new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy database until the command timeout; writers queue rather than fail.
            DefaultTimeout = 30,
        }.ToString());

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = Factory.CreateConnection()!;
        connection.ConnectionString = ConnectionString;
        await connection.OpenAsync(cancellationToken);
        if (Kind == StorageKind.Sqlite)
        {
            // SQLite's own busy handler waits a few milliseconds for the other writer's commit; without it
            // Microsoft.Data.Sqlite retries a locked database by sleeping 150 ms at a time, which stalled polling
            // whenever the incident builder was committing.
            await using var busy = Command(connection, "PRAGMA busy_timeout = 30000");
            await busy.ExecuteNonQueryAsync(cancellationToken);
        }

        return connection;
    }

    /// <summary>The placeholders of an IN list ("@k0, @k1, ...") and the parameters that fill them.</summary>
    public static (string Placeholders, (string Name, object? Value)[] Parameters) InList<T>(string prefix, IReadOnlyList<T> values)
    {
        var parameters = values.Select((value, i) => ($"@{prefix}{i}", (object?)value)).ToArray();
        return (string.Join(", ", parameters.Select(p => p.Item1)), parameters);
    }

    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}

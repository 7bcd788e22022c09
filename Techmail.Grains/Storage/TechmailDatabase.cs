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

    // Also SQLite's own busy timeout: a writer waits no longer for its turn than for the lock.
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _writer = new(1, 1);

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

    /// <summary>
    /// Waits for this process's turn to write; dispose the turn after the commit. SQLite takes one writer at a time,
    /// and a writer that finds it taken sleeps in steps of up to 100 ms before looking again, so intake, incident
    /// building and the outbox, committing all the time, lost much of their time oversleeping; queued here they
    /// follow each other at once and in order. PostgreSQL takes concurrent writers and needs no turn.
    /// </summary>
    public async ValueTask<IAsyncDisposable> WriterTurn(CancellationToken cancellationToken = default)
    {
        if (Kind != StorageKind.Sqlite)
        {
            return NoTurn.Instance;
        }

        if (!await _writer.WaitAsync(WriterTimeout, cancellationToken))
        {
            throw new TimeoutException($"the database stayed busy with other writers for {WriterTimeout.TotalSeconds:0} seconds");
        }

        return new Turn(_writer);
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = Factory.CreateConnection()!;
        connection.ConnectionString = ConnectionString;
        await connection.OpenAsync(cancellationToken);
        if (Kind == StorageKind.Sqlite)
        {
            // SQLite's own busy handler waits a few milliseconds for a writer outside the turns (WriterTurn) to commit;
            // without it Microsoft.Data.Sqlite retries a locked database by sleeping 150 ms at a time. No checkpoint
            // inside a commit: SqliteCheckpointer copies the log back in the background.
            await using var pragmas = Command(
                connection,
                $"PRAGMA busy_timeout = {(int)WriterTimeout.TotalMilliseconds}; PRAGMA wal_autocheckpoint = 0");
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
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
            parameter.Value = StorageText.Bind(value);
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private sealed class Turn(SemaphoreSlim writer) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                writer.Release();
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoTurn : IAsyncDisposable
    {
        public static readonly NoTurn Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

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
        _writerConnectionString = kind == StorageKind.Sqlite ? WritersOwnPool(connectionString) : connectionString;
    }

    // Also SQLite's own busy timeout: a writer waits no longer for its turn than for the lock.
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(30);
    // The page cache of the connection writers share (SQLite's default is 2 MiB): the index pages a batch of random
    // keys touches stay in it from one commit to the next.
    private const int WriterCacheKiB = 32 * 1024;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly string _writerConnectionString;

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
    /// Waits for this process's turn to write; write through <see cref="WriteTurn.OpenAsync"/> and dispose the turn
    /// after the commit. SQLite takes one writer at a time, and a writer that finds it taken sleeps in steps of up to
    /// 100 ms before looking again, so intake, incident building and the outbox, committing all the time, lost much of
    /// their time oversleeping; queued here they follow each other at once and in order. PostgreSQL takes concurrent
    /// writers and needs no turn.
    /// </summary>
    public async ValueTask<WriteTurn> WriterTurn(CancellationToken cancellationToken = default)
    {
        if (Kind != StorageKind.Sqlite)
        {
            return new WriteTurn(this, null);
        }

        if (!await _writer.WaitAsync(WriterTimeout, cancellationToken))
        {
            throw new TimeoutException($"the database stayed busy with other writers for {WriterTimeout.TotalSeconds:0} seconds");
        }

        return new WriteTurn(this, _writer);
    }

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) => Open(ConnectionString, writer: false, cancellationToken);

    /// <summary>
    /// Microsoft.Data.Sqlite pools connections by their connection string; naming the private cache (what SQLite gives
    /// a connection anyway) makes the string, and so the pool, the writers' own. A string that names a cache mode
    /// already keeps it: a shared cache must stay shared.
    /// </summary>
    private static string WritersOwnPool(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Cache != SqliteCacheMode.Default)
        {
            return connectionString;
        }

        builder.Cache = SqliteCacheMode.Private;
        return builder.ToString();
    }

    private async Task<DbConnection> Open(string connectionString, bool writer, CancellationToken cancellationToken)
    {
        var connection = Factory.CreateConnection()!;
        connection.ConnectionString = connectionString;
        await connection.OpenAsync(cancellationToken);
        if (Kind == StorageKind.Sqlite)
        {
            // SQLite's own busy handler waits a few milliseconds for a writer outside the turns (WriterTurn) to commit;
            // without it Microsoft.Data.Sqlite retries a locked database by sleeping 150 ms at a time. No checkpoint
            // inside a commit: SqliteCheckpointer copies the log back in the background.
            await using var pragmas = Command(
                connection,
                $"PRAGMA busy_timeout = {(int)WriterTimeout.TotalMilliseconds}; PRAGMA wal_autocheckpoint = 0"
                + (writer ? $"; PRAGMA cache_size = -{WriterCacheKiB}" : ""));
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

    /// <summary>
    /// One writer's turn. Its connections come from a pool of their own: SQLite throws away a connection's page cache
    /// whenever another connection has written since its last transaction, so a connection that only writers use, one
    /// at a time, keeps its cache across their commits, where a connection shared with readers starts each write cold
    /// and reads every page again (on the ingest benchmark: about 40% fewer file reads and 28% fewer file writes).
    /// </summary>
    public sealed class WriteTurn : IAsyncDisposable
    {
        private readonly TechmailDatabase _database;
        private SemaphoreSlim? _writer;

        internal WriteTurn(TechmailDatabase database, SemaphoreSlim? writer)
        {
            _database = database;
            _writer = writer;
        }

        /// <summary>A connection to write through during this turn; dispose it before the turn.</summary>
        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
        {
            if (_database.Kind != StorageKind.Sqlite)
            {
                return _database.OpenAsync(cancellationToken);
            }

            return _database.Open(_database._writerConnectionString, writer: true, cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            // Released once, however often disposed.
            Interlocked.Exchange(ref _writer, null)?.Release();
            return ValueTask.CompletedTask;
        }
    }
}

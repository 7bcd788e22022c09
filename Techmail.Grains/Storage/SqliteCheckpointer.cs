using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Techmail.Storage;

/// <summary>
/// Copies SQLite's write-ahead log back into the database file in the background. Left to SQLite, the copy runs
/// inside whichever commit pushes the log past its threshold, so a poll's hand-off would now and then wait for
/// megabytes of other writers' pages to be copied; Techmail's connections switch that off
/// (<see cref="TechmailDatabase.OpenAsync"/>) and this does it between commits instead.
/// </summary>
public sealed class SqliteCheckpointer(TechmailDatabase database, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Kind != StorageKind.Sqlite)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await Checkpoint(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The log only grows until the next try succeeds; nothing is lost meanwhile.
                    logger.LogWarning(e, "Checkpointing the SQLite log failed; trying again shortly");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>PASSIVE: copies what it can without waiting for readers or writers, so it never holds anyone up.</summary>
    public async Task Checkpoint(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(connection, "PRAGMA wal_checkpoint(PASSIVE)");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

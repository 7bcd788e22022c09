using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class WriterTurnTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    public void Dispose() => _databases.Dispose();

    [Fact]
    public async Task Sqlite_writers_of_a_silo_take_turns_in_the_order_they_asked()
    {
        var database = await _databases.Sqlite();
        var order = new List<int>();
        var first = await database.WriterTurn();
        // Asked for one after the other on this thread, so the order they asked in is known.
        var asked = Enumerable.Range(1, 3).Select(i => (Writer: i, Turn: database.WriterTurn())).ToList();
        var waiting = asked.Select(async a =>
        {
            await using var turn = await a.Turn;
            lock (order)
            {
                order.Add(a.Writer);
            }
        }).ToList();

        await Task.Delay(200);
        Assert.Empty(order);
        await first.DisposeAsync();
        await Task.WhenAll(waiting);
        Assert.Equal([1, 2, 3], order);

        // Released twice by mistake, a turn still lets only one writer in.
        await first.DisposeAsync();
        await using var again = await database.WriterTurn();
        var another = database.WriterTurn().AsTask();
        await Task.Delay(100);
        Assert.False(another.IsCompleted);
        await again.DisposeAsync();
        await (await another).DisposeAsync();
    }

    [Fact]
    public async Task Sqlite_writers_share_one_connection_of_their_own_whose_page_cache_outlives_each_commit()
    {
        var database = await _databases.Sqlite();
        await using (var turn = await database.WriterTurn())
        {
            await using var connection = await turn.OpenAsync();
            // A temporary table lives as long as its connection: seen again in the next turn, it shows the same one.
            await Execute(connection, "CREATE TEMP TABLE writer_marker (x INTEGER); CREATE TABLE written (x INTEGER)");
            Assert.Equal(-32 * 1024L, await Scalar(connection, "PRAGMA cache_size"));
        }

        long version;
        await using (var turn = await database.WriterTurn())
        {
            await using var connection = await turn.OpenAsync();
            Assert.Equal(0L, await Scalar(connection, "SELECT COUNT(*) FROM temp.writer_marker"));
            version = await Scalar(connection, "PRAGMA data_version");
            await Execute(connection, "INSERT INTO written VALUES (1)");
        }

        // Readers come from the other pool: they neither see the writers' connection nor take it.
        await using (var reader = await database.OpenAsync())
        {
            Assert.Equal(0L, await Scalar(reader, "SELECT COUNT(*) FROM sqlite_temp_master WHERE name = 'writer_marker'"));
            Assert.Equal(1L, await Scalar(reader, "SELECT COUNT(*) FROM written"));
        }

        await using (var turn = await database.WriterTurn())
        {
            await using var connection = await turn.OpenAsync();
            // SQLite's data version moves only when another connection wrote, which is when it throws its cache away.
            Assert.Equal(version, await Scalar(connection, "PRAGMA data_version"));
        }
    }

    private static async Task Execute(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = TechmailDatabase.Command(connection, sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = TechmailDatabase.Command(connection, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

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
}

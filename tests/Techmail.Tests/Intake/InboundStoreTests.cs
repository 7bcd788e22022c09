using System.Text;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Intake;

/// <summary>Recorded Service mail read back for the incident builder, on both real databases.</summary>
public sealed class InboundStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_reads_waiting_mail_oldest_first_after_a_position_and_from_memory_when_it_holds_it() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_reads_waiting_mail_oldest_first_after_a_position_and_from_memory_when_it_holds_it() => await Scenario(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var store = new InboundStore(database, new ManualClock(T0));
        var messages = Enumerable.Range(0, 5).Select(i => Message($"k{i}", $"mail {i}")).ToList();
        Assert.Equal(5, (await store.Record("incident", messages)).Recorded);

        // Recorded together, read in the order handed off (a microsecond apart), not in key order.
        var memory = new RecordedMailMemory(TimeProvider.System);
        memory.Keep("acme", "support", "k1", messages[1].Raw);
        var first = await store.Pending("acme", "support", "incident", 3, memory);
        Assert.Equal(["k0", "k1", "k2"], first.Select(r => r.MessageKey));
        Assert.Equal(messages.Take(3).Select(m => m.Raw), first.Select(r => r.Raw));
        // The bytes held in memory are handed over, once; the others were read from the rows.
        Assert.Same(messages[1].Raw, first[1].Raw);
        Assert.Null(memory.Take("acme", "support", "k1"));

        // Asked for what follows the batch still being written, the rows of that batch are not read again.
        var next = await store.Pending("acme", "support", "incident", 3, memory, first[^1].Position);
        Assert.Equal(["k3", "k4"], next.Select(r => r.MessageKey));
        Assert.Empty(await store.Pending("acme", "support", "incident", 3, memory, next[^1].Position));

        // Finished rows leave the oldest-first read; what is still waiting comes first again.
        await using (var turn = await database.WriterTurn())
        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await InboundStore.Finish(connection, transaction, "acme", "support", ["k0", "k1", "k3"], InboundOutcome.Done);
            await transaction.CommitAsync();
        }

        Assert.Equal(["k2", "k4"], (await store.Pending("acme", "support", "incident", 10)).Select(r => r.MessageKey));
    }

    private static InboundMessage Message(string key, string subject) =>
        new("acme", "support", MailboxType.Service, key, $"uid-{key}", $"<{key}@example.net>", "ann@example.net", subject,
            Encoding.ASCII.GetBytes($"From: ann@example.net\r\nSubject: {subject}\r\n\r\n{subject}\r\n"));
}

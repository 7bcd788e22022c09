using System.Text;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Intake;

/// <summary>The intake backlog a status shows, read from both real databases.</summary>
public sealed class IntakeBacklogTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_counts_built_waiting_failing_and_set_aside_mail_and_names_the_newest_failure() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_counts_built_waiting_failing_and_set_aside_mail_and_names_the_newest_failure() => await Scenario(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var clock = new ManualClock(T0);
        var store = new InboundStore(database, clock);
        var reader = new IntakeBacklogReader(database);
        Assert.Equal(IntakeBacklog.Empty, await reader.Read("acme", "support"));

        await store.Record("incident", [Message("support", "a"), Message("support", "b"), Message("support", "c"), Message("support", "d"), Message("support", "e")]);
        clock.Advance(TimeSpan.FromMinutes(5));
        await store.Record("incident", [Message("sales", "f")]);
        await store.Record("bounce", [Message("news", "g") with { Type = MailboxType.Marketing }]);
        await Finish(database, "support", ["a"], InboundOutcome.Done);
        await Finish(database, "support", ["b"], InboundOutcome.Duplicate);
        await Finish(database, "support", ["c"], InboundOutcome.Quarantined);
        await new QuarantineStore(database, clock).Hold("acme", "support", "c", "uid-c", null, null, [1], MailStage.IncidentBuilder, "could not be turned into an incident: bad");
        clock.Advance(TimeSpan.FromMinutes(1));
        await store.MarkFailing("acme", "support", "incident", MailStage.IncidentBuilder, "the database stayed busy");

        var support = await reader.Read("acme", "support");
        Assert.Equal(5, support.Recorded);
        Assert.Equal(1, support.Built);
        Assert.Equal(2, support.Waiting);
        Assert.Equal(2, support.Failing);
        Assert.Equal(1, support.SetAside);
        Assert.Equal(1, support.Duplicates);
        Assert.Equal(T0, support.OldestWaiting!.Value.AddTicks(-(support.OldestWaiting.Value.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal("acme/support", support.OldestWaitingMailbox);
        // What the metrics sample: every mailbox's waiting mail (support's two and sales' one; the bounce is built).
        var (waiting, oldest) = await reader.ClusterWaiting();
        Assert.Equal(3, waiting);
        Assert.Equal(T0, oldest!.Value.AddTicks(-(oldest.Value.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(new IntakeError("the database stayed busy", MailStage.IncidentBuilder, T0.AddMinutes(6)), support.LastError);

        // Built at last: nothing fails any more, and the newest failure is the mail set aside.
        await Finish(database, "support", ["d", "e"], InboundOutcome.Done);
        support = await reader.Read("acme", "support");
        Assert.Equal((3L, 0L, 0L), (support.Built, support.Waiting, support.Failing));
        Assert.Null(support.OldestWaiting);
        Assert.Equal(MailStage.IncidentBuilder, support.LastError!.Stage);
        Assert.Equal("could not be turned into an incident: bad", support.LastError.Message);

        // The cluster: sales' mail waits, the bounce was recorded with its bounce rows.
        var cluster = await reader.Read(null, null);
        Assert.Equal(7, cluster.Recorded);
        Assert.Equal(4, cluster.Built);
        Assert.Equal(1, cluster.Waiting);
        Assert.Equal("acme/sales", cluster.OldestWaitingMailbox);
        Assert.Equal((1L, (DateTimeOffset?)cluster.OldestWaiting), await reader.ClusterWaiting());
    }

    private static async Task Finish(TechmailDatabase database, string mailbox, string[] keys, InboundOutcome outcome)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await InboundStore.Finish(connection, transaction, "acme", mailbox, keys, outcome);
        await transaction.CommitAsync();
    }

    private static InboundMessage Message(string mailbox, string key) =>
        new("acme", mailbox, MailboxType.Service, key, $"uid-{key}", $"<{key}@example.net>", "ann@example.net", key,
            Encoding.ASCII.GetBytes($"From: ann@example.net\r\nSubject: {key}\r\n\r\n{key}\r\n"));
}

using System.Text;
using Techmail.Outgoing;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>The outbox table on both real databases.</summary>
public sealed class OutboxStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_queues_once_per_dedupe_key_and_tracks_each_mail_to_sent_or_failed() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_queues_once_per_dedupe_key_and_tracks_each_mail_to_sent_or_failed() => await Scenario(await ScratchDatabases.Postgres());

    [Fact]
    public async Task Sqlite_queues_inside_a_callers_transaction() => await InTransaction(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_queues_inside_a_callers_transaction() => await InTransaction(await ScratchDatabases.Postgres());

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var clock = new ManualClock(T0);
        var store = new OutboxStore(database, clock);
        var raw = Encoding.ASCII.GetBytes("Message-ID: <a@example.com>\r\nSubject: one\r\n\r\nbody\r\n");

        var (first, queued) = await store.Enqueue(Mail("ack:key-1", raw));
        Assert.True(queued);
        Assert.Equal((first, false), await store.Enqueue(Mail("ack:key-1", raw)));
        // Another tenant's key is another mail; mail without a key is never deduplicated.
        Assert.True((await store.Enqueue(Mail("ack:key-1", raw) with { Tenant = "other" })).Queued);
        clock.Advance(TimeSpan.FromSeconds(1));
        var (second, _) = await store.Enqueue(Mail(null, raw));
        var (third, _) = await store.Enqueue(Mail(null, raw));
        Assert.True(first < second && second < third);

        var due = await store.Due("acme", "support", clock.GetUtcNow(), 10);
        Assert.Equal([first, second, third], due.Select(d => d.Id));
        Assert.Equal(raw, due[0].Raw);
        Assert.Equal(("bounces@example.com", "INC-1", 0, T0), (due[0].EnvelopeFrom, due[0].Reference, due[0].Attempts, due[0].Created));
        Assert.Equal(["ann@example.net", "bob@example.net"], due[0].Recipients);
        // A drain sends its next batch while the last one is being marked: it asks for what follows the last one sent.
        Assert.Equal([second, third], (await store.Due("acme", "support", clock.GetUtcNow(), 10, after: first)).Select(d => d.Id));
        Assert.Empty(await store.Due("acme", "support", clock.GetUtcNow(), 10, after: third));

        var now = clock.GetUtcNow();
        await store.MarkSent(first, now);
        await store.RetryAt(second, now.AddMinutes(2), "SMTP relay x refused: 451 later", now);
        await store.MarkFailed(third, "SMTP relay x refused: 550 no such user", now);
        // A second verdict on a finished row changes nothing.
        await store.MarkFailed(first, "late", now);

        Assert.Empty(await store.Due("acme", "support", now.AddMinutes(1), 10));
        var retried = Assert.Single(await store.Due("acme", "support", now.AddMinutes(2), 10));
        Assert.Equal((second, 1), (retried.Id, retried.Attempts));

        clock.Advance(TimeSpan.FromMinutes(5));
        var counts = await store.Counts("acme", "support");
        Assert.Equal((1L, 1L, 1L), (counts.Queued, counts.Sent, counts.Failed));
        Assert.Equal(T0.AddSeconds(1), counts.OldestQueued);
        Assert.Equal(now.AddMinutes(2), counts.NextAttempt);
        Assert.Equal("SMTP relay x refused: 451 later", counts.LastError);
        Assert.Equal(new OutboxCounts(0, 0, 0, null, null, null), await store.Counts("acme", "nobody"));

        var failed = Assert.Single(await store.List("acme", "support", OutboxState.Failed, 10));
        Assert.Equal((third, "SMTP relay x refused: 550 no such user", 1, (long)raw.Length), (failed.Id, failed.LastError, failed.Attempts, failed.Size));
        var sent = Assert.Single(await store.List("acme", null, OutboxState.Sent, 10));
        Assert.Equal((first, now, (DateTimeOffset?)null), (sent.Id, sent.Sent!.Value, sent.NextAttempt));
        Assert.Equal([third, second, first], (await store.List("acme", null, null, 10)).Select(e => e.Id));
        Assert.Equal([third], (await store.List("acme", "support", null, 1)).Select(e => e.Id));
    }

    private static async Task InTransaction(TechmailDatabase database)
    {
        var store = new OutboxStore(database, TimeProvider.System);
        var raw = Encoding.ASCII.GetBytes("Subject: x\r\n\r\ny\r\n");

        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.True((await store.Enqueue(connection, transaction, Mail("ack:rolled-back", raw), T0)).Queued);
            await transaction.RollbackAsync();
        }

        Assert.Empty(await store.List("acme", null, null, 10));

        long id;
        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            (id, _) = await store.Enqueue(connection, transaction, Mail("ack:committed", raw), T0);
            // A repeat inside the same transaction neither duplicates nor breaks the transaction (PostgreSQL aborts on errors).
            Assert.Equal((id, false), await store.Enqueue(connection, transaction, Mail("ack:committed", raw), T0));
            await transaction.CommitAsync();
        }

        Assert.Equal((id, false), await store.Enqueue(Mail("ack:committed", raw)));
        Assert.Equal([id], (await store.List("acme", null, OutboxState.Queued, 10)).Select(e => e.Id));
    }

    [Theory]
    [InlineData("bounces@example.com\r\nRCPT TO:<victim@example.net>", "ann@example.net")]
    [InlineData("bounces@example.com", "ann@example.net\r\nDATA")]
    [InlineData("bounces@example.com", "not an address")]
    public async Task Envelope_values_that_could_inject_smtp_commands_are_refused(string envelope, string recipient)
    {
        var store = new OutboxStore(await _databases.Sqlite(), TimeProvider.System);

        await Assert.ThrowsAsync<ArgumentException>(() => store.Enqueue(Mail(null, [1]) with { EnvelopeFrom = envelope, Recipients = [recipient] }));
        Assert.Empty(await store.List("acme", null, null, 10));
    }

    private static QueuedMail Mail(string? dedupe, byte[] raw) =>
        new("acme", "support", dedupe, "INC-1", "bounces@example.com", ["ann@example.net", "bob@example.net"], raw);
}

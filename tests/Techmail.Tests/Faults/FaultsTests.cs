using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using Techmail.Faults;
using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Tests.Faults;

/// <summary>The one failure policy: what is an outage, what is one message's own failure, and what the isolation does with each.</summary>
public sealed class FaultsTests
{
    [Theory]
    [InlineData("22021", FaultKind.ThisMessage)] // character_not_in_repertoire: U+0000 in TEXT
    [InlineData("22P05", FaultKind.ThisMessage)] // untranslatable_character
    [InlineData("23505", FaultKind.ThisMessage)] // unique_violation
    [InlineData("54000", FaultKind.ThisMessage)] // program_limit_exceeded: an index row too large
    [InlineData("08006", FaultKind.Outage)] // connection_failure
    [InlineData("57P01", FaultKind.Outage)] // admin_shutdown
    [InlineData("53300", FaultKind.Outage)] // too_many_connections
    [InlineData("40001", FaultKind.Outage)] // serialization_failure
    public void PostgreSQL_refusals_of_values_are_the_messages_and_the_servers_troubles_are_outages(string sqlState, FaultKind expected) =>
        Assert.Equal(expected, Techmail.Faults.Faults.Classify(new PostgresException("refused", "ERROR", "ERROR", sqlState)));

    [Theory]
    [InlineData(19, FaultKind.ThisMessage)] // SQLITE_CONSTRAINT
    [InlineData(18, FaultKind.ThisMessage)] // SQLITE_TOOBIG
    [InlineData(5, FaultKind.Outage)] // SQLITE_BUSY
    [InlineData(10, FaultKind.Outage)] // SQLITE_IOERR
    [InlineData(13, FaultKind.Outage)] // SQLITE_FULL
    public void SQLite_refusals_of_values_are_the_messages_and_a_busy_or_full_database_is_an_outage(int code, FaultKind expected) =>
        Assert.Equal(expected, Techmail.Faults.Faults.Classify(new SqliteException("refused", code)));

    [Fact]
    public void Infrastructure_failures_are_outages_even_when_wrapped()
    {
        Assert.Equal(FaultKind.Outage, Techmail.Faults.Faults.Classify(new TimeoutException()));
        Assert.Equal(FaultKind.Outage, Techmail.Faults.Faults.Classify(new OperationCanceledException()));
        Assert.Equal(FaultKind.Outage, Techmail.Faults.Faults.Classify(new IOException("reset")));
        Assert.Equal(FaultKind.Outage, Techmail.Faults.Faults.Classify(new MailFetchException(MailFetchFailure.Transient, "down")));
        Assert.Equal(FaultKind.Outage, Techmail.Faults.Faults.Classify(new Orleans.Runtime.SiloUnavailableException()));
        Assert.Equal(FaultKind.Outage, Techmail.Faults.Faults.Classify(new InvalidOperationException("wrapper", new NpgsqlException("connection refused"))));
        Assert.Equal(FaultKind.Outage, Techmail.Faults.Faults.Classify(new AggregateException(new ArgumentException("x"), new TimeoutException())));
    }

    [Fact]
    public void What_reading_or_writing_a_mail_throws_is_that_mails_own()
    {
        Assert.Equal(FaultKind.ThisMessage, Techmail.Faults.Faults.Classify(new ArgumentException("recipient '4@fuz' is not one email address.")));
        Assert.Equal(FaultKind.ThisMessage, Techmail.Faults.Faults.Classify(new EncoderFallbackException("lone surrogate")));
        Assert.Equal(FaultKind.ThisMessage, Techmail.Faults.Faults.Classify(new InsufficientExecutionStackException()));
        Assert.Equal(FaultKind.ThisMessage, Techmail.Faults.Faults.Classify(new AggregateException(new FormatException("x"))));
    }

    [Fact]
    public void A_summary_is_the_first_line_clipped_on_a_character_boundary()
    {
        Assert.Equal("first line", Techmail.Faults.Faults.Summary(new Exception("first line\r\n   at somewhere")));
        Assert.Equal(nameof(InvalidOperationException), Techmail.Faults.Faults.Summary(new InvalidOperationException("")));
        var summary = Techmail.Faults.Faults.Summary(new Exception(new string('a', Techmail.Faults.Faults.SummaryLength - 1) + "😀 and more"));
        Assert.Equal(Techmail.Faults.Faults.SummaryLength - 1, summary.Length);
        Assert.False(char.IsHighSurrogate(summary[^1]));
    }

    [Fact]
    public async Task A_batch_that_fails_for_a_messages_sake_is_run_again_one_by_one_and_only_that_message_is_set_aside()
    {
        var written = new List<int>();
        var failed = await MessageIsolation.Each<int>([1, 2, 3, 4], batch =>
        {
            if (batch.Contains(3))
            {
                throw new ArgumentException("three is poison");
            }

            written.AddRange(batch);
            return Task.CompletedTask;
        });

        Assert.Equal([1, 2, 4], written);
        Assert.Equal(3, Assert.Single(failed).Item);
        Assert.Equal("three is poison", failed[0].Failure.Message);
    }

    [Fact]
    public async Task An_outage_in_the_batch_or_in_any_single_try_sets_nothing_aside_and_is_thrown()
    {
        var tries = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => MessageIsolation.Each<int>([1, 2, 3], _ =>
        {
            tries++;
            throw new TimeoutException();
        }));
        Assert.Equal(1, tries);

        // The batch fails for a message's sake, then the database goes away during the one-by-one tries.
        var calls = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => MessageIsolation.Each<int>([1, 2, 3], batch =>
            ++calls == 1 ? throw new ArgumentException("poison") : batch[0] == 2 ? throw new TimeoutException() : Task.CompletedTask));
    }

    [Fact]
    public async Task One_message_sets_itself_aside_on_its_own_failure_and_passes_an_outage_on()
    {
        Assert.Equal("aside: bad", await MessageIsolation.One<string>(() => throw new FormatException("bad"), e => Task.FromResult($"aside: {e.Message}")));
        await Assert.ThrowsAsync<IOException>(() => MessageIsolation.One<string>(() => throw new IOException("reset"), _ => Task.FromResult("aside")));
        Assert.Equal("fine", MessageIsolation.One(() => "fine", _ => "aside"));
    }

    [Fact]
    public void Text_for_storage_loses_NUL_and_lone_surrogates_and_keeps_everything_else_as_it_is()
    {
        Assert.Equal("bad\uFFFD 4@fuz\uFFFD.e\uFFFDample", StorageText.Safe("bad\0 4@fuz\0.e\0ample"));
        Assert.Equal("a\uFFFDb\uFFFD", StorageText.Safe("a\uD800b\uDC00"));
        Assert.Equal("\uFFFD\uFFFD", StorageText.Safe("\uDC00\uD800"));
        const string Fine = "Grüße 😀 日本";
        Assert.Same(Fine, StorageText.Safe(Fine));
        Assert.Equal("x😀", StorageText.Safe("x😀"));
        Assert.Equal("x\uFFFD", StorageText.Safe("x\uD83D"));
    }

    [Fact]
    public void Clipping_never_leaves_half_a_surrogate_pair()
    {
        Assert.Equal("ab", StorageText.Clip("ab😀", 3));
        Assert.Equal("ab😀", StorageText.Clip("ab😀c", 4));
        Assert.Equal("abc", StorageText.Clip("abc", 10));
        Assert.Null(StorageText.ClipOrNull(null, 3));
    }
}

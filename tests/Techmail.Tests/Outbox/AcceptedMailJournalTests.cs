using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Techmail.Authentication;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>
/// Mail the relay accepted is not sent again after the silo stops before the database marked it: a real SMTP server
/// counts what arrives, and the database (SQLite and PostgreSQL) refuses the marks with a trigger, as a silo killed
/// while its commit waited would leave them unwritten.
/// </summary>
public sealed class AcceptedMailJournalTests : IAsyncLifetime
{
    private const int Mails = 30;
    private readonly ScratchDatabases _databases = new();
    private readonly TempDirectory _journals = new("techmail-journal");
    private SmtpSink _smtp = null!;

    public async Task InitializeAsync() => _smtp = await SmtpSink.Start();

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _databases.Dispose();
        _journals.Dispose();
    }

    [Fact]
    public async Task Sqlite_mail_accepted_before_its_mark_was_written_is_marked_sent_at_the_next_start_and_not_sent_again() =>
        await AcceptedThenStopped(await _databases.Sqlite(), """
            CREATE TRIGGER refuse_marks BEFORE UPDATE OF state ON techmail_outbox WHEN NEW.state = 'sent'
            BEGIN SELECT RAISE(ABORT, 'marks refused by the test'); END
            """, "DROP TRIGGER refuse_marks");

    [Fact]
    public async Task Postgres_mail_accepted_before_its_mark_was_written_is_marked_sent_at_the_next_start_and_not_sent_again() =>
        await AcceptedThenStopped(await ScratchDatabases.Postgres(), """
            CREATE FUNCTION refuse_marks() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.state = 'sent' THEN RAISE EXCEPTION 'marks refused by the test'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_marks BEFORE UPDATE ON techmail_outbox FOR EACH ROW EXECUTE FUNCTION refuse_marks()
            """, "DROP TRIGGER refuse_marks ON techmail_outbox");

    [Fact]
    public async Task A_journal_another_running_silo_holds_is_left_alone_and_replayed_once_that_silo_is_gone()
    {
        var database = await _databases.Sqlite();
        var store = new OutboxStore(database, TimeProvider.System);
        var (id, _) = await store.Enqueue(Mail(0));

        using (var running = Journal(store))
        {
            await running.Recovered();
            running.Accepted(id);

            // A second silo on the same data directory must not take the first one's journal from under it.
            using var other = Journal(store);
            await other.Recovered();
            Assert.Equal(1, (await store.Counts("acme", "support")).Queued);
            Assert.Equal(2, Directory.GetFiles(_journals.Path, "*.journal").Length);
        }

        using var restarted = Journal(store);
        await restarted.Recovered();
        var counts = await store.Counts("acme", "support");
        Assert.Equal((0, 1), (counts.Queued, counts.Sent));
        Assert.Single(Directory.GetFiles(_journals.Path, "*.journal"));
    }

    [Fact]
    public async Task Mail_the_relay_stored_but_had_not_answered_when_the_silo_stopped_is_marked_sent_at_the_next_start()
    {
        // The relay keeps the mail as its data ends and answers two seconds later: the silo stops in between, as a kill
        // between a relay's commit and its "250" would leave it (the window of RFC 1047's duplicates).
        var store = new OutboxStore(await _databases.Sqlite(), TimeProvider.System);
        await store.Enqueue(Mail(0));
        _smtp.AnswerSlowly("ann@example.net", TimeSpan.FromSeconds(2));
        using (var journal = Journal(store))
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(600));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Drainer(store, journal).Drain("acme", "support", Outgoing(), stop.Token));
        }

        Assert.Equal(1, (await store.Counts("acme", "support")).Queued);
        await _smtp.WaitFor(m => m.Message.Subject == "mail 0", TimeSpan.FromSeconds(20));

        using (var restarted = Journal(store))
        {
            Assert.Equal(0, (await Drainer(store, restarted).Drain("acme", "support", Outgoing(), CancellationToken.None)).Sent);
        }

        var counts = await store.Counts("acme", "support");
        Assert.Equal((0, 1), (counts.Queued, counts.Sent));
        Assert.Equal(1, _smtp.Count);
    }

    [Fact]
    public async Task Mail_the_relay_refused_after_its_data_is_not_taken_for_sent_by_the_journal()
    {
        var store = new OutboxStore(await _databases.Sqlite(), TimeProvider.System);
        await store.Enqueue(Mail(0));
        _smtp.AnswerNext(1, 451, "4.3.0 try again later");
        using (var journal = Journal(store))
        {
            var outcome = await Drainer(store, journal).Drain("acme", "support", Outgoing(), CancellationToken.None);
            Assert.Equal(0, outcome.Sent);
            Assert.Contains("try again later", outcome.LastError);
        }

        // The hand-over was journaled, then undone by the refusal: a restart must not mark it sent.
        using (var restarted = Journal(store))
        {
            await restarted.Recovered();
        }

        var counts = await store.Counts("acme", "support");
        Assert.Equal((1, 0), (counts.Queued, counts.Sent));
        Assert.Equal(0, _smtp.Count);
    }

    [Fact]
    public async Task Mail_whose_connection_drops_before_the_answer_is_not_taken_for_sent_and_goes_again()
    {
        // A relay that takes each mail's data and hangs up without answering. The bytes may or may not have reached a
        // relay behind such a connection (a middlebox, a reset): the mail must not be taken for sent, neither now nor by
        // the journal at the next start. A second copy is the price; a lost mail would be worse. The real SMTP server
        // cannot be made to hang up like this; the tests above drive the same hand-over against it.
        await using var relay = await SilentRelay.Start();
        var store = new OutboxStore(await _databases.Sqlite(), TimeProvider.System);
        await store.Enqueue(Mail(0));
        var outgoing = Outgoing() with { Relay = new SmtpRelaySettings("127.0.0.1", relay.Port, TlsMode.None, null, null) };
        using (var journal = Journal(store))
        {
            var outcome = await Drainer(store, journal).Drain("acme", "support", outgoing, CancellationToken.None);
            Assert.Equal(0, outcome.Sent);
        }

        using (var restarted = Journal(store))
        {
            await restarted.Recovered();
        }

        var counts = await store.Counts("acme", "support");
        Assert.Equal((1, 0), (counts.Queued, counts.Sent));
        Assert.Equal(1, relay.Stored);
    }

    private async Task AcceptedThenStopped(TechmailDatabase database, string refuse, string allow)
    {
        var store = new OutboxStore(database, TimeProvider.System);
        for (var i = 0; i < Mails; i++)
        {
            await store.Enqueue(Mail(i));
        }

        await Execute(database, refuse);
        using (var journal = Journal(store))
        {
            var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => Drainer(store, journal).Drain("acme", "support", Outgoing(), CancellationToken.None));
            Assert.Contains("marks refused by the test", failed.Message);
        }

        // The relay has all of them; the database still calls them queued, as after a kill before the commit.
        Assert.Equal(Mails, _smtp.Count);
        Assert.Equal(Mails, (await store.Counts("acme", "support")).Queued);

        await Execute(database, allow);
        using (var restarted = Journal(store))
        {
            var outcome = await Drainer(store, restarted).Drain("acme", "support", Outgoing(), CancellationToken.None);
            Assert.Equal(0, outcome.Sent);
        }

        var counts = await store.Counts("acme", "support");
        Assert.Equal((0, Mails, 0), (counts.Queued, counts.Sent, counts.Failed));
        Assert.Equal(Mails, _smtp.Count);
        Assert.Equal(Mails, _smtp.Messages.Select(m => m.Message.Subject).Distinct().Count());
    }

    private AcceptedMailJournal Journal(OutboxStore store) =>
        new(_journals.Path, store, TimeProvider.System, NullLogger<AcceptedMailJournal>.Instance);

    private static OutboxDrainer Drainer(OutboxStore store, AcceptedMailJournal journal) =>
        new(store, journal, new MailSender(new MailLogin(new OAuthTokenCache(TimeProvider.System))), new OutboxPolicy(), TimeProvider.System, NullLogger<OutboxDrainer>.Instance);

    private OutgoingSettings Outgoing() => new(
        "bounces@example.com", "support@example.com", null, "Example Support",
        new SmtpRelaySettings("127.0.0.1", _smtp.Port, TlsMode.None, null, null));

    private static QueuedMail Mail(int i) => new(
        "acme", "support", null, "INC-" + i, "bounces@example.com", ["ann@example.net"],
        Encoding.ASCII.GetBytes($"Message-ID: <m{i}@example.com>\r\nFrom: support@example.com\r\nTo: ann@example.net\r\nSubject: mail {i}\r\n\r\nbody\r\n"));

    private static async Task Execute(TechmailDatabase database, string sql)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Speaks just enough SMTP to take a mail's data, counts it, and hangs up instead of answering.</summary>
    private sealed class SilentRelay : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _serving = Task.CompletedTask;
        private int _stored;

        public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        public int Stored => Volatile.Read(ref _stored);

        public static Task<SilentRelay> Start()
        {
            var relay = new SilentRelay();
            relay._listener.Start();
            relay._serving = relay.Serve();
            return Task.FromResult(relay);
        }

        private async Task Serve()
        {
            while (!_stop.IsCancellationRequested)
            {
                System.Net.Sockets.TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                using (client)
                {
                    await Converse(client.GetStream());
                }
            }
        }

        private async Task Converse(System.Net.Sockets.NetworkStream stream)
        {
            using var reader = new StreamReader(stream, Encoding.ASCII);
            async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            await Say("220 silent.example ESMTP");
            while (await reader.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ')[0].ToUpperInvariant();
                if (verb == "DATA")
                {
                    await Say("354 go ahead");
                    while (await reader.ReadLineAsync() is { } data && data != ".")
                    {
                    }

                    Interlocked.Increment(ref _stored);
                    return;
                }

                await Say(verb is "EHLO" or "HELO" ? "250 silent.example" : verb == "QUIT" ? "221 bye" : "250 ok");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving;
            _stop.Dispose();
        }
    }
}

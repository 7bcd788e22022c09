using Microsoft.Data.Sqlite;
using Orleans.TestingHost;
using Techmail.Hosting;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// A silo on SQLite with fast retries and a short circuit break, a real Dovecot and a real SMTP server,
/// shared by the polling tests; each test uses mail users and mailboxes of its own.
/// </summary>
public abstract class PollingFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("techmail-polling");
    private int _users;

    public InProcessTestCluster Cluster { get; private set; } = null!;
    public DovecotServer Dovecot { get; private set; } = null!;
    public SmtpSink Smtp { get; private set; } = null!;
    public TechmailOptions Options { get; private set; } = null!;
    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        Options = await Configure(new TechmailOptions
        {
            DataDirectory = _data.Path,
            Polling = new PollingLimits
            {
                RetryDelay = TimeSpan.FromMilliseconds(50),
                CircuitBreakDuration = TimeSpan.FromSeconds(1),
                BatchSize = 50,
                MessagesPerSession = 200,
                MaxDownloadBytes = 1 << 20,
            },
        });
        Dovecot = await StartDovecot();
        Smtp = await SmtpSink.Start();
        Cluster = await TechmailTestCluster.Start(Options);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Dovecot.DisposeAsync();
        await Smtp.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    /// <summary>The fixture's Dovecot; a fixture may configure its logins differently.</summary>
    protected virtual Task<DovecotServer> StartDovecot() => DovecotServer.Start();

    /// <summary>Chooses the storage profile.</summary>
    protected abstract Task<TechmailOptions> Configure(TechmailOptions options);

    /// <summary>A fresh mail user with its own password.</summary>
    public (string User, string Password) NewUser()
    {
        var user = $"user{Interlocked.Increment(ref _users)}";
        var password = $"pw-{Guid.NewGuid():N}"[..16];
        Dovecot.AddUser(user, password);
        return (user, password);
    }

    /// <summary>POP3 without TLS on loopback: the tests say so explicitly, as an admin would have to.</summary>
    public IncomingSettings Pop3(string user, string password, int? port = null) =>
        new(MailProtocol.Pop3, "127.0.0.1", port ?? Dovecot.Pop3Port, TlsMode.None, user, password, [], AllowPlaintextPassword: true);

    public OutgoingSettings Relay() =>
        new("techmail@example.com", "support@example.com", null, "Example Support", new SmtpRelaySettings("127.0.0.1", Smtp.Port, TlsMode.None, null, null));

    /// <summary>An enabled Service mailbox reading <paramref name="incoming"/>, polled only when a test asks.</summary>
    public async Task<IMailboxGrain> Mailbox(string name, IncomingSettings incoming, Func<MailboxSettings, MailboxSettings>? adjust = null, MailboxType type = MailboxType.Service)
    {
        var settings = MailboxSettings.Empty(type) with { Enabled = true, Incoming = incoming, PollInterval = TimeSpan.FromHours(1) };
        var grain = Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", name));
        await grain.Create(adjust is null ? settings : adjust(settings));
        return grain;
    }

    /// <summary>Starts a poll and waits until it has finished.</summary>
    public static async Task<MailboxStatus> PollAndWait(IMailboxGrain grain, TimeSpan? timeout = null)
    {
        var before = await grain.GetStatus();
        await grain.PollNow();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            var status = await grain.GetStatus();
            if (status.FinishedPollSince(before))
            {
                return status;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the poll did not finish: " + await grain.GetStatus());
    }

    public Task<long> Scalar(string sql, params (string, object?)[] parameters) => TechmailTestCluster.Scalar(Options, sql, parameters);

    public Task<long> Inbound(string mailbox) =>
        Scalar("SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'poll' AND mailbox = @m", ("@m", mailbox));

    public Task<long> Traced(string mailbox, TraceVerdict verdict) =>
        Scalar("SELECT COUNT(*) FROM techmail_message_trace WHERE tenant = 'poll' AND mailbox = @m AND verdict = @v", ("@m", mailbox), ("@v", verdict.ToString()));
}

public sealed class SqlitePollingFixture : PollingFixture
{
    protected override Task<TechmailOptions> Configure(TechmailOptions options) => Task.FromResult(options);
}

public sealed class PostgresPollingFixture : PollingFixture
{
    protected override async Task<TechmailOptions> Configure(TechmailOptions options) => options with
    {
        Storage = Techmail.Storage.StorageKind.PostgreSql,
        ConnectionString = await (await PostgresServer.Instance).CreateDatabase(),
        KeyRingKeyFile = TestKeyRing.File,
    };
}

[CollectionDefinition(Name)]
public sealed class PollingCollection : ICollectionFixture<SqlitePollingFixture>
{
    public const string Name = "polling";
}

[CollectionDefinition(Name)]
public sealed class PostgresPollingCollection : ICollectionFixture<PostgresPollingFixture>
{
    public const string Name = "polling on postgres";
}

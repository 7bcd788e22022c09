using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Techmail.Hosting;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// The poller wired exactly as the silo wires it (MailKit, Polly, the ledger and intake on real storage), without a
/// cluster: each test chooses its own limits (time limits, retries, batch size) and clock, which one silo shared by
/// many tests cannot. Accepted mail is recorded as the incident intake grain records it.
/// </summary>
public sealed class PollerHarness : IAsyncDisposable
{
    private readonly TempDirectory _data;
    private readonly ServiceProvider _services;

    private PollerHarness(TempDirectory data, TechmailOptions options, ServiceProvider services)
    {
        _data = data;
        Options = options;
        _services = services;
    }

    public TechmailOptions Options { get; }

    public MailboxPoller Poller => _services.GetRequiredService<MailboxPoller>();

    /// <summary>The silo-wide pool of IMAP connections kept between polls.</summary>
    public ImapConnectionPool ImapPool => _services.GetRequiredService<ImapConnectionPool>();

    /// <summary>The silo's one gate, whose host limits the poller's pushback and quick polls move.</summary>
    public PollGate Gate => _services.GetRequiredService<PollGate>();

    public static async Task<PollerHarness> Start(PollingLimits limits, TimeProvider? clock = null, bool postgres = false, ImapPoolOptions? imapPool = null)
    {
        var data = new TempDirectory("techmail-poller");
        var options = new TechmailOptions { DataDirectory = data.Path, Polling = limits, ImapPool = imapPool ?? new ImapPoolOptions() };
        if (postgres)
        {
            options = options with { Storage = StorageKind.PostgreSql, ConnectionString = await (await PostgresServer.Instance).CreateDatabase(), KeyRingKeyFile = TestKeyRing.File };
        }

        var database = options.Database();
        await SchemaInstaller.Apply(database);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTechmailServices(options, database);
        // No cluster here: the harness polls Service mailboxes without reject forwards, so nothing asks for a grain.
        // Forwards, which wake the outbox grain, are tested in a real silo (ReprocessTests).
        services.AddSingleton(NoCluster.Create());
        if (clock is not null)
        {
            services.Replace(ServiceDescriptor.Singleton(clock));
        }

        return new PollerHarness(data, options, services.BuildServiceProvider());
    }

    /// <summary>One poll of a Service mailbox of <paramref name="tenant"/> reading <paramref name="incoming"/>.</summary>
    /// <param name="interval">The mailbox's poll interval: below the pool's idle timeout, an IMAP connection is kept.</param>
    public Task<PollReport> Poll(string mailbox, IncomingSettings incoming, string tenant = "harness", TimeSpan? interval = null)
    {
        var settings = MailboxSettings.Empty(MailboxType.Service) with { Enabled = true, Incoming = incoming, PollInterval = interval ?? MailboxSettings.DefaultPollInterval };
        var intake = _services.GetRequiredService<InboundStore>();
        return Poller.Poll(new PollRequest(tenant, mailbox, settings, messages => intake.Record("incident", messages)), CancellationToken.None);
    }

    public Task<long> Scalar(string sql, params (string, object?)[] parameters) => TechmailTestCluster.Scalar(Options, sql, parameters);

    /// <summary>Mail recorded for intake: one row per message key, however often it was handed off.</summary>
    public Task<long> Inbound(string mailbox, string tenant = "harness") =>
        Scalar("SELECT COUNT(*) FROM techmail_inbound WHERE tenant = @t AND mailbox = @m", ("@t", tenant), ("@m", mailbox));

    public Task<long> Traced(string mailbox, string tenant = "harness") =>
        Scalar("SELECT COUNT(*) FROM techmail_message_trace WHERE tenant = @t AND mailbox = @m", ("@t", tenant), ("@m", mailbox));

    /// <summary>Distinct Message-IDs among the recorded mail: fewer than <see cref="Inbound"/> means a message was recorded twice.</summary>
    public Task<long> DistinctMessageIds(string mailbox, string tenant = "harness") =>
        Scalar("SELECT COUNT(DISTINCT message_id) FROM techmail_message_trace WHERE tenant = @t AND mailbox = @m", ("@t", tenant), ("@m", mailbox));

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }
}

/// <summary>A grain factory for the harness, which runs no cluster: any use is a mistake in the test and says so.</summary>
public class NoCluster : System.Reflection.DispatchProxy
{
    public static IGrainFactory Create() => Create<IGrainFactory, NoCluster>();

    protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
        throw new InvalidOperationException($"the poller harness runs no cluster; {targetMethod?.Name} needs a real silo");
}


using Microsoft.Data.Sqlite;
using MimeKit;
using Orleans.TestingHost;
using Techmail.Hosting;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>A silo on SQLite whose outbox retries within a second, and a real SMTP server as its relay.</summary>
public sealed class OutboxFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("techmail-outbox");

    public InProcessTestCluster Cluster { get; private set; } = null!;
    public SmtpSink Smtp { get; private set; } = null!;
    public TechmailOptions Options { get; private set; } = null!;
    public OutboxStore Store { get; private set; } = null!;
    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        Options = new TechmailOptions
        {
            DataDirectory = _data.Path,
            Outbox = new OutboxPolicy { FirstRetry = TimeSpan.FromMilliseconds(200), MaxRetry = TimeSpan.FromSeconds(1) },
        };
        Smtp = await SmtpSink.Start();
        Cluster = await TechmailTestCluster.Start(Options);
        Store = new OutboxStore(Options.Database(), TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Smtp.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    public OutgoingSettings Outgoing(int? port = null) => new(
        "bounces@example.com",
        "support@example.com",
        "replies@example.com",
        "Example Support",
        new SmtpRelaySettings("127.0.0.1", port ?? Smtp.Port, TlsMode.None, null, null));

    public async Task Mailbox(string name, OutgoingSettings outgoing, bool enabled = true) =>
        await Client.GetGrain<IMailboxGrain>(MailboxKey.For("out", name)).Create(
            MailboxSettings.Empty(MailboxType.Service) with { Enabled = enabled, Outgoing = outgoing });

    public IOutboxGrain Outbox(string mailbox) => Client.GetGrain<IOutboxGrain>(MailboxKey.For("out", mailbox));

    /// <summary>Composes the mail as a caller would (the mailbox's addresses in the headers), queues it and wakes the outbox.</summary>
    public async Task<(long Id, bool Queued, string MessageId)> Queue(string mailbox, OutgoingSettings outgoing, string to, string subject, string? dedupe = null, bool wake = true)
    {
        var message = OutgoingMessageBuilder.Build(outgoing, new OutgoingMail([to], subject, "Thank you for writing."));
        using var raw = new MemoryStream();
        await message.WriteToAsync(raw);
        var (id, queued) = await Store.Enqueue(new QueuedMail("out", mailbox, dedupe, "INC-" + subject, outgoing.EnvelopeFrom, [to], raw.ToArray()));
        if (wake)
        {
            await Outbox(mailbox).Wake();
        }

        return (id, queued, message.MessageId!);
    }

    /// <summary>Polls the outbox's status until it satisfies <paramref name="done"/>.</summary>
    public async Task<OutboxStatus> StatusWhen(string mailbox, Func<OutboxStatus, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        OutboxStatus status;
        while (!done(status = await Outbox(mailbox).GetStatus()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"outbox of {mailbox} never got there: {status}");
            }

            await Task.Delay(50);
        }

        return status;
    }
}

[CollectionDefinition(Name)]
public sealed class OutboxCollection : ICollectionFixture<OutboxFixture>
{
    public const string Name = "outbox";
}

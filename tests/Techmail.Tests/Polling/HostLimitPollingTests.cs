using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>A Dovecot that lets one user have one session at a time from one address (mail_max_userip_connections = 1).</summary>
public sealed class OneSessionPerUserFixture : IAsyncLifetime
{
    private int _users;

    public DovecotServer Dovecot { get; private set; } = null!;

    public async Task InitializeAsync() => Dovecot = await DovecotServer.Start(maxUserIpConnections: 1);

    public async Task DisposeAsync() => await Dovecot.DisposeAsync();

    public (string User, string Password) UserWithMail(int count)
    {
        var user = $"single{Interlocked.Increment(ref _users)}";
        var password = $"pw-{Guid.NewGuid():N}"[..16];
        Dovecot.AddUser(user, password);
        for (var i = 0; i < count; i++)
        {
            Dovecot.Deliver(user, TestMail.Simple($"limited {i}", from: $"customer{i}@example.net"));
        }

        return (user, password);
    }
}

/// <summary>
/// A real server refusing a session for the account's connection limit: the host's adaptive limit hears it and
/// shrinks, the poll retries, and once the other session has gone every message is taken.
/// </summary>
public sealed class HostLimitPollingTests(OneSessionPerUserFixture fixture) : IClassFixture<OneSessionPerUserFixture>
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Theory]
    [InlineData("imap")]
    [InlineData("pop3")]
    public async Task Dovecots_per_user_connection_refusal_shrinks_the_hosts_limit_and_the_poll_still_takes_every_message(string protocol)
    {
        const int messages = 5;
        var (user, password) = fixture.UserWithMail(messages);
        var incoming = protocol == "imap"
            ? PollProgressFixture.Imap(user, password, Dovecot.ImapPort)
            : PollProgressFixture.Pop3(user, password, Dovecot.Pop3Port);
        await using var harness = await PollerHarness.Start(new PollingLimits { RetryAttempts = 4, RetryDelay = TimeSpan.FromMilliseconds(400) });

        // Another client of the account holds its one allowed session.
        using var other = await LogIn(protocol, user, password);
        var poll = harness.Poll($"limited-{protocol}", incoming);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (harness.Gate.Snapshot().Hosts.SingleOrDefault() is not { Limit.Pushbacks: > 0 } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        if (harness.Gate.Snapshot().Hosts.Count == 0)
        {
            var failed = await poll;
            Assert.Fail($"no pushback seen; the poll: {failed.Error} ({failed.Failure})");
        }

        var refused = harness.Gate.Snapshot().Hosts.Single();
        Assert.Equal(ServerPushback.InUse, refused.Limit.LastPushback);
        // 16 * 0.7: cut once, however many retries were refused within the round.
        Assert.Equal(11, refused.Limit.Limit);
        Assert.False(poll.IsCompleted);

        await other.DisconnectAsync(true);
        var report = await poll.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(report.Succeeded, report.Error);
        Assert.Equal(messages, report.Accepted);
        Assert.Equal(messages, await harness.Inbound($"limited-{protocol}"));
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    private async Task<MailKit.MailService> LogIn(string protocol, string user, string password)
    {
        MailKit.MailService client = protocol == "imap" ? new ImapClient() : new Pop3Client();
        await client.ConnectAsync("127.0.0.1", protocol == "imap" ? Dovecot.ImapPort : Dovecot.Pop3Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        return client;
    }
}

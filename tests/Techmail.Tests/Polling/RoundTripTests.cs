using System.Collections.Concurrent;
using Techmail.Polling;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Polling;

/// <summary>
/// Round trips of an empty poll against the real Dovecot, counted by a proxy that adds latency (so a command the
/// client does not wait for is never counted): what a poll costs on a server 20 to 100 ms away.
/// </summary>
public sealed class RoundTripTests(PollProgressFixture fixture, ITestOutputHelper output) : IClassFixture<PollProgressFixture>
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(30);

    [Fact]
    public async Task An_empty_pop3_poll_costs_few_round_trips()
    {
        var (user, password) = fixture.UserWithMail(0, "empty");
        await using var proxy = FaultyProxy.Start(fixture.Dovecot.Pop3Port);
        var sent = Watch(proxy);
        proxy.AddLatency(Latency);
        await using var harness = await PollerHarness.Start(new PollingLimits());

        var report = await harness.Poll("pop3-empty", PollProgressFixture.Pop3(user, password, proxy.Port));

        Assert.Null(report.Error);
        Report("POP3", proxy, sent);
        // The greeting, CAPA, then the login with LIST and UIDL in one flight; QUIT goes without waiting (was 8:
        // greeting, CAPA, AUTH, its continuation, CAPA again, STAT twice, QUIT).
        Assert.Equal(3, proxy.RoundTrips);
    }

    [Fact]
    public async Task Without_pipelining_pop3_waits_for_each_command_and_still_takes_the_mail()
    {
        var (user, password) = fixture.UserWithMail(3, "unpipelined");
        await using var proxy = FaultyProxy.Start(fixture.Dovecot.Pop3Port);
        // A server that does not offer PIPELINING (RFC 2449): each command waits for the answer to the one before.
        proxy.RewriteServerLines(line => line.StartsWith("PIPELINING", StringComparison.Ordinal) ? "" : line);
        proxy.AddLatency(Latency);
        await using var harness = await PollerHarness.Start(new PollingLimits());
        var incoming = PollProgressFixture.Pop3(user, password, proxy.Port);

        var full = await harness.Poll("pop3-unpipelined", incoming);
        var before = proxy.RoundTrips;
        var empty = await harness.Poll("pop3-unpipelined", incoming);

        Assert.Null(full.Error);
        Assert.Equal(3, full.Accepted);
        Assert.Equal(0, fixture.Dovecot.CountMessages(user));
        Assert.Null(empty.Error);
        // The greeting, CAPA, AUTH PLAIN with its initial response, and LIST (UIDL only when LIST found mail); QUIT
        // still goes without waiting.
        Assert.Equal(4, proxy.RoundTrips - before);
    }

    [Fact]
    public async Task An_empty_imap_poll_costs_few_round_trips()
    {
        var (user, password) = fixture.UserWithMail(0, "empty");
        await using var proxy = FaultyProxy.Start(fixture.Dovecot.ImapPort);
        var sent = Watch(proxy);
        proxy.AddLatency(Latency);
        await using var harness = await PollerHarness.Start(new PollingLimits());

        var incoming = PollProgressFixture.Imap(user, password, proxy.Port);

        var first = await harness.Poll("imap-empty", incoming, interval: TimeSpan.FromMinutes(1));

        Assert.Null(first.Error);
        Report("IMAP, first poll", proxy, sent);
        // The greeting, AUTHENTICATE with its initial response (capabilities come with the greeting and the login's
        // answer), MailKit's NAMESPACE and LIST, and SELECT, whose answer says the INBOX is empty; no LOGOUT, the
        // connection is kept (was 6, with LOGOUT).
        Assert.Equal(5, proxy.RoundTrips);

        sent.Clear();
        var before = proxy.RoundTrips;
        var second = await harness.Poll("imap-empty", incoming, interval: TimeSpan.FromMinutes(1));

        Assert.Null(second.Error);
        Report("IMAP, next poll", proxy, sent, before);
        // The kept connection: SELECT again, nothing else.
        Assert.Equal(1, proxy.RoundTrips - before);
        Assert.Equal(1, proxy.ConnectionCount);
    }

    [Fact]
    public async Task An_empty_imap_poll_that_keeps_no_connection_logs_out()
    {
        var (user, password) = fixture.UserWithMail(0, "empty");
        await using var proxy = FaultyProxy.Start(fixture.Dovecot.ImapPort);
        proxy.AddLatency(Latency);
        await using var harness = await PollerHarness.Start(new PollingLimits());

        // Polled every five minutes, past the pool's idle timeout: keeping the connection would only hold it open.
        var report = await harness.Poll("imap-empty", PollProgressFixture.Imap(user, password, proxy.Port), interval: TimeSpan.FromMinutes(5));

        Assert.Null(report.Error);
        Assert.Equal(6, proxy.RoundTrips);
        Assert.Equal(0, harness.ImapPool.Count);
    }

    /// <summary>What the client sends, line by line, for the test's output (passwords of throwaway test users).</summary>
    private static ConcurrentQueue<string> Watch(FaultyProxy proxy)
    {
        var lines = new ConcurrentQueue<string>();
        proxy.RewriteClientLines(line =>
        {
            lines.Enqueue(line.TrimEnd());
            return line;
        });
        return lines;
    }

    private void Report(string protocol, FaultyProxy proxy, ConcurrentQueue<string> sent, int before = 0)
    {
        output.WriteLine($"{protocol}: {proxy.RoundTrips - before} round trips, {proxy.ConnectionCount} connections so far");
        foreach (var line in sent)
        {
            output.WriteLine("C: " + line);
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Techmail.Hosting;
using Techmail.Mailboxes;
using Techmail.Resources;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Polling;

/// <summary>A silo whose memory budget is far smaller than what its polls and builders would hold at once.</summary>
public sealed class SmallBudgetPollingFixture : PollingFixture
{
    public const long Budget = 512 * 1024;

    protected override Task<TechmailOptions> Configure(TechmailOptions options) => Task.FromResult(options with { MemoryBudgetBytes = Budget });

    /// <summary>The budget of the test cluster's one silo.</summary>
    public MemoryBudget MemoryBudget => ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredService<MemoryBudget>();
}

/// <summary>
/// Many polls and incident builders at once (POP3 and IMAP, a real Dovecot, SQLite) on a 512 KB budget: everything is
/// still downloaded and built, the polls and builders never held more than the budget together, and the one message
/// larger than the whole budget went through alone.
/// </summary>
public sealed class MemoryBudgetPollingTests(SmallBudgetPollingFixture fixture, ITestOutputHelper output) : IClassFixture<SmallBudgetPollingFixture>
{
    private const int Mailboxes = 8;
    private const int MessagesEach = 12;

    [Fact]
    public async Task Many_polls_and_builders_on_a_small_budget_finish_everything_and_never_share_more_than_it()
    {
        var grains = new List<IMailboxGrain>();
        for (var m = 0; m < Mailboxes; m++)
        {
            var (user, password) = fixture.NewUser();
            for (var i = 0; i < MessagesEach; i++)
            {
                // One sender per message: the flood gate holds a sender's 24th mail, which is not what this is about.
                fixture.Dovecot.Deliver(user, TestMail.Simple($"budget {m}-{i}", from: $"customer{m}x{i}@example.net", padTo: 60_000));
            }

            var incoming = m % 2 == 0
                ? fixture.Pop3(user, password)
                : new IncomingSettings(MailProtocol.Imap, "127.0.0.1", fixture.Dovecot.ImapPort, TlsMode.None, user, password, [], AllowPlaintextPassword: true);
            grains.Add(await fixture.Mailbox($"budget{m}", incoming));
        }

        // Larger than the whole budget (under the download limit): admitted alone, never stuck.
        var (bigUser, bigPassword) = fixture.NewUser();
        fixture.Dovecot.Deliver(bigUser, TestMail.Simple("one large mail", from: "large@example.net", padTo: 700_000));
        grains.Add(await fixture.Mailbox("budget-large", fixture.Pop3(bigUser, bigPassword)));

        var polls = await Task.WhenAll(grains.Select(g => PollingFixture.PollAndWait(g, TimeSpan.FromSeconds(120))));
        Assert.All(polls, p => Assert.Null(p.LastError));

        const int Expected = Mailboxes * MessagesEach + 1;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        long built;
        while ((built = await Built()) < Expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(Expected, built);
        Assert.Equal(Expected, await fixture.Scalar("SELECT COUNT(*) FROM techmail_incidents WHERE tenant = 'poll' AND mailbox LIKE 'budget%'"));

        var use = fixture.MemoryBudget.Use;
        output.WriteLine(use.ToString());
        Assert.True(use.Waits > 0, $"the budget was never short, so this proved nothing: {use}");
        Assert.InRange(use.PeakShared, 1, SmallBudgetPollingFixture.Budget);
        Assert.True(use.OversizedAdmissions >= 1, use.ToString());
        Assert.True(use.Peak > SmallBudgetPollingFixture.Budget, use.ToString());
        Assert.Equal((0L, 0, 0), (use.Held, use.Holders, use.Waiting));
    }

    private Task<long> Built() =>
        fixture.Scalar("SELECT COUNT(*) FROM techmail_inbound WHERE tenant = 'poll' AND mailbox LIKE 'budget%' AND state = 'done'");
}

using System.Diagnostics;
using Techmail.Hosting;
using Techmail.MailFactory;
using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// Issue 16's scenario on a real Dovecot and SMTP server: fifty malformed messages from the generator among good mail,
/// polled by a Service mailbox. Every message must become exactly one thing (an incident entry, a quarantined message)
/// within a minute, none twice, nothing acknowledged twice, nothing left on the server.
/// </summary>
public abstract class HostileMailPollingTests(PollingFixture fixture)
{
    private const int Hostile = 50;
    private const int Good = 100;

    [Fact]
    public Task Fifty_malformed_messages_among_good_mail_over_pop3_each_become_one_incident_or_one_quarantined_message_within_a_minute() =>
        Scenario("pop", (user, password) => fixture.Pop3(user, password), seed: 16, redeliveries: 0);

    [Fact]
    public Task Over_imap_with_redelivered_mail_the_second_copy_is_a_recorded_duplicate_not_a_second_incident() =>
        Scenario("imap", (user, password) => new IncomingSettings(MailProtocol.Imap, "127.0.0.1", fixture.Dovecot.ImapPort, TlsMode.None, user, password, [], AllowPlaintextPassword: true), seed: 17, redeliveries: 5);

    private async Task Scenario(string name, Func<string, string, IncomingSettings> incoming, int seed, int redeliveries)
    {
        var generator = new MailGenerator(seed);
        var (user, password) = fixture.NewUser();
        var mailbox = $"hostile-{name}";
        var delivered = new List<DeliveredMail>();
        var kinds = MailGenerator.HostileKinds;
        for (var i = 0; i < Hostile + Good; i++)
        {
            var token = MailToken.For($"{name}{seed}", i);
            // Every third message is hostile, cycling through every kind (fifty of them: each kind twice or three times).
            var mail = i % 3 == 1 && i / 3 < Hostile
                ? generator.Hostile(kinds[i / 3 % kinds.Count], token)
                : generator.ServiceQuestion(token, $"customer{i}@example.net", attachment: i % 5 == 0 ? $"screenshot-{i}.png" : null);
            delivered.Add(new DeliveredMail(mailbox, mail));
        }

        var good = delivered.Where(d => !d.Mail.Hostile).ToList();
        for (var r = 0; r < redeliveries; r++)
        {
            var first = good[r * 7];
            delivered.Add(new DeliveredMail(mailbox, generator.ServiceRedelivery(MailToken.For($"{name}{seed}", Hostile + Good + r), first.Mail), first.Mail.Token));
        }

        foreach (var d in delivered)
        {
            fixture.Dovecot.Deliver(user, d.Mail.Raw);
        }

        var grain = await fixture.Mailbox(mailbox, incoming(user, password), s => s with { Outgoing = fixture.Relay() });
        var clock = Stopwatch.StartNew();
        await grain.PollNow();

        // Every delivered mail's outcome as the database, the SMTP server and Dovecot show it now.
        Task<AuditReport> Audit() =>
            DeliveryAudit.Run(fixture.Options.Database(), "poll", delivered, fixture.Smtp.Messages, new HashSet<string>(), fixture.Dovecot.ReadMessages(user).Select(raw => (mailbox, raw)));

        // Done when every message has an outcome and nothing is on the server, or a minute has passed.
        AuditReport report;
        while (true)
        {
            report = await Audit();
            if ((report.Accounted == report.Delivered && fixture.Dovecot.CountMessages(user) == 0) || clock.Elapsed > TimeSpan.FromMinutes(1))
            {
                break;
            }

            await Task.Delay(250);
        }

        // Within the minute is about every mail's outcome (an incident, a quarantine row, a duplicate); the
        // acknowledgements' wait below does not count against it.
        var accountedAfter = clock.Elapsed;

        // Acknowledgements go out after the incidents, through the outbox: wait until each good mail has one (a loaded
        // machine can take more than a moment), then a little longer so a second copy would be seen, and count again.
        var acknowledged = Stopwatch.StartNew();
        while (report.Mail.Any(m => !m.Delivered.Mail.Hostile && m.Delivered.FirstCopy is null && m.Acknowledgements == 0)
            && acknowledged.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(250);
            report = await Audit();
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        report = await Audit();
        var status = await grain.GetStatus();
        var problems = string.Join("\n", report.Problems().Take(40));
        var summary = $"{report.Line} after {accountedAfter.TotalSeconds:F0} s; {fixture.Dovecot.CountMessages(user)} left on the server; last poll error: {status.LastError ?? "none"}\nby kind: {report.ByKind()}\n{problems}";

        Assert.True(report.Lost.Count == 0, summary);
        Assert.True(report.Doubled.Count == 0, summary);
        Assert.True(report.AcknowledgementsDoubled.Count == 0, summary);
        // The fixture's other scenario leaves its own mail in the same database; only this run's tokens may not stray.
        var run = MailToken.For($"{name}{seed}", 0)[..^7];
        Assert.True(!report.Strays.Any(s => s.StartsWith(run, StringComparison.Ordinal)), summary);
        Assert.True(fixture.Dovecot.CountMessages(user) == 0, summary);
        // Good mail is always readable: each is exactly one incident entry, and acknowledged once.
        Assert.All(report.Mail.Where(m => !m.Delivered.Mail.Hostile && m.Delivered.FirstCopy is null), m =>
        {
            Assert.True(m.Outcomes is [{ What: "incident" }], "good mail must be one incident: " + m.Describe());
            Assert.True(m.Acknowledgements == 1, "good mail must be acknowledged once: " + m.Describe());
        });
        // A hostile message is readable (an incident) or set aside (quarantined) and nothing else.
        Assert.All(report.Mail.Where(m => m.Delivered.Mail.Hostile), m =>
            Assert.True(m.Outcomes is [{ What: "incident" or "quarantined" }], "hostile mail must be one incident or one quarantined message: " + m.Describe()));
        Assert.All(report.Mail.Where(m => m.Delivered.FirstCopy is not null), m =>
            Assert.True(m.Outcomes is [{ What: "duplicate" }] && m.Acknowledgements == 0, "a redelivered mail must be a recorded duplicate, not acknowledged: " + m.Describe()));
        Assert.True(accountedAfter < TimeSpan.FromMinutes(1), summary);
    }
}

/// <summary>A polling fixture that downloads messages of any size the engine allows by default (the 1 MB header line included).</summary>
public sealed class SqliteHostileMailFixture : PollingFixture
{
    protected override Task<TechmailOptions> Configure(TechmailOptions options) =>
        Task.FromResult(options with { Polling = options.Polling with { MaxDownloadBytes = new Techmail.Polling.PollingLimits().MaxDownloadBytes } });
}

public sealed class PostgresHostileMailFixture : PollingFixture
{
    protected override async Task<TechmailOptions> Configure(TechmailOptions options) => options with
    {
        Polling = options.Polling with { MaxDownloadBytes = new Techmail.Polling.PollingLimits().MaxDownloadBytes },
        Storage = Techmail.Storage.StorageKind.PostgreSql,
        ConnectionString = await (await PostgresServer.Instance).CreateDatabase(),
        KeyRingKeyFile = TestKeyRing.File,
    };
}

public sealed class SqliteHostileMailPollingTests(SqliteHostileMailFixture fixture) : HostileMailPollingTests(fixture), IClassFixture<SqliteHostileMailFixture>;

public sealed class PostgresHostileMailPollingTests(PostgresHostileMailFixture fixture) : HostileMailPollingTests(fixture), IClassFixture<PostgresHostileMailFixture>;

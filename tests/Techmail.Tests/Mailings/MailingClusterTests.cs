using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Mailings;

/// <summary>
/// A mailing on the cluster profile: three silo processes on PostgreSQL. Its slices are composed on more than one silo
/// (each silo's own counter says how many it queued), and the silo that took the mailing, and with it the mailing's and
/// the outbox's grains, is killed (SIGKILL) mid-send: the two left finish it, and nobody gets two but for the outbox's
/// documented exception, mail the dead silo had just handed to the relay.
/// </summary>
public sealed partial class MailingClusterTests(ITestOutputHelper output)
{
    private const int Recipients = 3000;

    [Fact]
    public async Task A_mailing_is_composed_on_several_silos_and_a_killed_silo_doubles_only_what_it_had_handed_to_the_relay()
    {
        var connection = await (await PostgresServer.Instance).CreateDatabase();
        await using var smtp = await SmtpSink.Start();
        using var dataA = new TempDirectory("techmail-mailing-a");
        using var dataB = new TempDirectory("techmail-mailing-b");
        using var dataC = new TempDirectory("techmail-mailing-c");
        using var files = new TempDirectory("techmail-mailing-cluster");
        string[] cluster = ["--storage", "PostgreSql", "--connection", connection, .. TestKeyRing.SiloArgs];
        var siloA = await SiloProcess.Start(dataA.Path, extraArgs: cluster);
        await using var siloB = await SiloProcess.Start(dataB.Path, extraArgs: cluster);
        await using var siloC = await SiloProcess.Start(dataC.Path, extraArgs: cluster);
        try
        {
            var message = files.File("note.eml");
            await File.WriteAllTextAsync(message, "Subject: News for {email}\r\nContent-Type: text/plain\r\n\r\nHello {email}.\r\n");
            var list = files.File("list.txt");
            await File.WriteAllTextAsync(list, string.Join('\n', Enumerable.Range(0, Recipients).Select(i => $"c{i:0000}@example.net")));

            // Through silo A's gateway, so the mailbox's outbox and the mailing itself start out there.
            var cli = new Cli(siloA.Gateway, "clustered");
            await cli.Ok("mailbox", "add", "news", "--type", "marketing", "--no-incoming", "--envelope-from", "bounces@example.com",
                "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
            var id = (await cli.Ok("mailing", "send", "--mailbox", "news", "--recipients", list, "--message", message, "--rate", "6000")).Trim();
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (smtp.Count < 300)
            {
                Assert.True(DateTime.UtcNow < deadline, $"only {smtp.Count} mails were sent within 90 s");
                await Task.Delay(20);
            }

            // The mailing composes a few slices ahead of the outbox, so A's share is read just before it dies.
            var queuedOnA = await Queued(siloA);
            siloA.Kill();
            // Mail A wrote into its sockets before dying still reaches the relay; the others take over only after the
            // membership has found A dead, seconds later, so half a second tells A's last mail from theirs.
            await Task.Delay(500);
            var atKill = smtp.Count;
            Assert.InRange(atKill, 300, Recipients - 1);

            // The others carry on by themselves: A's reminders move to them once the membership sees it dead.
            var survivor = new Cli(siloB.Gateway, "clustered");
            deadline = DateTime.UtcNow.AddSeconds(240);
            JsonElement report;
            while (true)
            {
                var shown = await survivor.Run("mailing", "show", id, "--json");
                report = shown.ExitCode == 0 ? JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("report") : default;
                if (report.ValueKind == JsonValueKind.Object && report.GetProperty("mailing").GetProperty("state").GetString() == "Finished")
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"the mailing did not finish within 240 s of the kill ({smtp.Count} sent; {shown})");
                await Task.Delay(1000);
            }

            Assert.Equal(Recipients, report.GetProperty("sent").GetInt64());

            // Composed on more than one silo: the slices go round eight slots placed by a hash of their key.
            var queued = new[] { queuedOnA, await Queued(siloB), await Queued(siloC) };
            output.WriteLine($"queued by silo (A before the kill, B, C): {string.Join(", ", queued)}; {atKill} received when A died");
            Assert.True(queued.Count(q => q > 0) >= 2, $"the slices were composed on one silo only (A before the kill, B, C): {string.Join(", ", queued)}");
            var received = smtp.Messages;
            var byRecipient = received.Select((m, order) => (Recipient: m.Recipients.Single(), Order: order)).GroupBy(m => m.Recipient).ToList();
            Assert.Equal(Recipients, byRecipient.Count);

            // The one exception the outbox documents: mail the dead silo had handed to the relay but not yet marked
            // sent is sent again by the silo that takes its outbox over (its journal of handed-over mail died with it;
            // a silo restarted on its data directory reads it back). So a second copy is allowed only of mail the relay
            // had received before the kill; anything first sent after it went out exactly once.
            var doubled = byRecipient.Where(g => g.Count() > 1).ToList();
            output.WriteLine($"{doubled.Count} recipients mailed twice, all handed to the relay by silo A before it died");
            var late = doubled.Where(g => g.Min(m => m.Order) >= atKill).Select(g => g.Key).ToList();
            Assert.True(late.Count == 0, $"mailed twice although first sent after the kill ({atKill} received when A died): {string.Join(", ", late.Take(20))}");
            Assert.All(byRecipient, g => Assert.InRange(g.Count(), 1, 2));
        }
        finally
        {
            await siloA.DisposeAsync();
        }
    }

    /// <summary>The recipients a silo composed and queued in the outbox, from its own /metrics.</summary>
    private static async Task<long> Queued(SiloProcess silo)
    {
        using var http = new HttpClient { BaseAddress = silo.Http };
        var metrics = await http.GetStringAsync("metrics");
        return QueuedLine().Matches(metrics).Sum(m => (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^techmail_mailing_recipients_total\{[^}]*outcome=""queued""[^}]*\} ([0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex QueuedLine();
}

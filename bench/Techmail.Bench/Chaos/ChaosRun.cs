using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Techmail.MailFactory;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Bench.Chaos;

/// <summary>
/// One profile's chaos run: the load delivered over a period while the silos are killed with SIGKILL at random moments
/// and started again, Dovecot is restarted once and the relay refuses connections for a while; then everything is
/// healed, the engine is given time to finish, and every delivered message is accounted for.
/// </summary>
public sealed class ChaosRun(string profile, ChaosSilos silos, DovecotServer dovecot, SmtpSink smtp, FaultyProxy relay, int messages, int kills, int seed)
{
    private static readonly TimeSpan RelayRefusal = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DovecotDown = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Stall = TimeSpan.FromMinutes(4);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Random _faults = new(seed ^ 0x5eed);
    private readonly IReadOnlyList<ChaosMailbox> _mailboxes = ChaosMailbox.For(profile);
    private readonly int _sentAtStart = smtp.Count;

    public async Task<AuditReport> Execute(TimeSpan drainLimit)
    {
        foreach (var mailbox in _mailboxes)
        {
            mailbox.AddUser(dovecot);
        }

        using (var admin = await silos.Connect())
        {
            var grains = admin.Services.GetRequiredService<IGrainFactory>();
            foreach (var mailbox in _mailboxes)
            {
                await mailbox.Grain(grains).Create(mailbox.Settings(dovecot, relay.Port));
            }

            await admin.StopAsync();
        }

        var mix = new ChaosMix(new MailGenerator(seed), profile, _mailboxes);
        // Long enough for every kill and its restart (a silo takes some seconds to start) to fall among deliveries.
        var period = TimeSpan.FromSeconds(Math.Max(60, kills * 12));
        Log($"delivering {messages} messages over {period.TotalSeconds:0} s to {_mailboxes.Count} mailboxes on {silos.Count} silo(s); {kills} kills, one Dovecot restart, the relay refusing for {RelayRefusal.TotalSeconds:0} s");
        var faults = Faults(period);
        await Deliver(mix, period);
        await faults;

        await silos.EnsureAllRunning();
        relay.RefuseConnections(false);
        if (!dovecot.IsRunning)
        {
            await dovecot.StartAgain();
        }

        Log("load and faults done; waiting for the engine to finish");
        return await Drain(mix, drainLimit);
    }

    private async Task Deliver(ChaosMix mix, TimeSpan period)
    {
        var seconds = (int)period.TotalSeconds;
        var delivered = 0;
        for (var second = 1; second <= seconds; second++)
        {
            var due = (int)((long)messages * second / seconds);
            mix.SeeAcknowledgements(smtp.Messages);
            for (; delivered < due; delivered++)
            {
                var (mailbox, mail) = mix.Next();
                dovecot.Deliver(mailbox.User, mail.Mail.Raw);
            }

            var wait = TimeSpan.FromSeconds(second) - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        Log($"delivered {mix.Delivered.Count} ({mix.Delivered.Count(d => d.Mail.Hostile)} hostile)");
    }

    /// <summary>Kills at random moments of the period, a Dovecot restart and a relay refusal at random moments too.</summary>
    private async Task Faults(TimeSpan period)
    {
        var start = _clock.Elapsed;
        var moments = Enumerable.Range(0, kills).Select(_ => _faults.NextDouble() * period.TotalSeconds).Order().ToList();
        var dovecotAt = (0.3 + 0.4 * _faults.NextDouble()) * period.TotalSeconds;
        var relayAt = (0.1 + 0.3 * _faults.NextDouble()) * period.TotalSeconds;
        var other = Task.WhenAll(At(start, dovecotAt, RestartDovecot), At(start, relayAt, RefuseRelay));
        var killed = 0;
        foreach (var moment in moments)
        {
            var wait = start + TimeSpan.FromSeconds(moment) - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var victim = _faults.Next(silos.Count);
            await silos.Kill(victim);
            killed++;
            Log($"SIGKILL {killed}/{kills}: silo {victim + 1} of {silos.Count}");
            await silos.Start(victim);
            Log($"silo {victim + 1} ready again");
        }

        await other;
    }

    private async Task At(TimeSpan start, double seconds, Func<Task> action)
    {
        var wait = start + TimeSpan.FromSeconds(seconds) - _clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await action();
    }

    private async Task RestartDovecot()
    {
        Log("Dovecot killed");
        await dovecot.Stop();
        await Task.Delay(DovecotDown);
        await dovecot.StartAgain();
        Log("Dovecot back");
    }

    private async Task RefuseRelay()
    {
        Log($"relay refusing connections for {RelayRefusal.TotalSeconds:0} s");
        relay.RefuseConnections(true);
        await Task.Delay(RelayRefusal);
        relay.RefuseConnections(false);
        Log("relay accepting again");
    }

    /// <summary>
    /// Waits until nothing is on the servers, nothing waits in intake or the outbox and every message is accounted for;
    /// or until nothing has moved for <see cref="Stall"/>, or the limit. Polls are asked for now and then, as an admin
    /// would, so the wait is not the one-minute schedule's.
    /// </summary>
    private async Task<AuditReport> Drain(ChaosMix mix, TimeSpan limit)
    {
        var database = silos.Database;
        var forward = new HashSet<string>([ChaosMailbox.RejectsAddress], StringComparer.OrdinalIgnoreCase);
        var deadline = _clock.Elapsed + limit;
        var sentBefore = _sentAtStart;
        var lastChange = _clock.Elapsed;
        var lastState = "";
        var lastRelayed = -1;
        var nextPoll = TimeSpan.Zero;
        while (true)
        {
            if (_clock.Elapsed >= nextPoll)
            {
                await PollAll();
                nextPoll = _clock.Elapsed + TimeSpan.FromSeconds(20);
            }

            var onServers = _mailboxes.Sum(m => dovecot.CountMessages(m.User));
            // Bounce intake records a bounce at hand-off and its row stays pending by design: only Service mail waits.
            var waiting = await Scalar(database, "SELECT COUNT(*) FROM techmail_inbound WHERE tenant = @t AND kind <> 'bounce' AND state IN ('pending', 'released')");
            var queued = await Scalar(database, "SELECT COUNT(*) FROM techmail_outbox WHERE tenant = @t AND state = 'queued'");
            // What the relay receives is not progress: a poll that fails after forwarding rejected mail forwards it again.
            var state = $"{onServers} on the servers, {waiting} waiting in intake, {queued} queued in the outbox";
            var relayed = smtp.Count - sentBefore;
            if (state != lastState || relayed != lastRelayed)
            {
                if (state != lastState)
                {
                    (lastState, lastChange) = (state, _clock.Elapsed);
                }

                lastRelayed = relayed;
                Log($"drain: {state}, {relayed} received by the relay");
            }

            if (onServers == 0 && waiting == 0 && queued == 0)
            {
                var report = await DeliveryAudit.Run(database, ChaosMailbox.Tenant, mix.Delivered, smtp.Messages, forward, StillOnServers());
                if (report.Accounted == report.Delivered || _clock.Elapsed > deadline)
                {
                    return report;
                }
            }

            if (_clock.Elapsed > deadline || _clock.Elapsed - lastChange > Stall)
            {
                Log(_clock.Elapsed > deadline ? $"drain limit of {limit.TotalMinutes:0} minutes reached" : $"nothing moved for {Stall.TotalMinutes:0} minutes");
                return await DeliveryAudit.Run(database, ChaosMailbox.Tenant, mix.Delivered, smtp.Messages, forward, StillOnServers());
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private IEnumerable<(string Mailbox, byte[] Raw)> StillOnServers() =>
        _mailboxes.SelectMany(m => dovecot.ReadMessages(m.User).Select(raw => (m.Name, raw)));

    private async Task PollAll()
    {
        try
        {
            using var admin = await silos.Connect();
            var grains = admin.Services.GetRequiredService<IGrainFactory>();
            await Task.WhenAll(_mailboxes.Select(m => m.Grain(grains).PollNow()));
            await admin.StopAsync();
        }
        catch (Exception e)
        {
            Log($"poll request failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }

    private static async Task<long> Scalar(TechmailDatabase database, string sql)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, sql, ("@t", ChaosMailbox.Tenant));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private void Log(string text) => Console.WriteLine($"[{profile} {_clock.Elapsed.TotalSeconds,6:F0}s] {text}");
}

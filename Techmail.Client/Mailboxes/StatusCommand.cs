using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Client.Intake;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Tenants;

namespace Techmail.Client.Mailboxes;

public sealed class StatusSettings : GlobalSettings
{
    [CommandArgument(0, "[NAME]"), Description("One mailbox; without it, every mailbox of the tenant.")]
    public string? Name { get; init; }
}

public sealed class StatusCommand : TechmailCommand<StatusSettings>
{
    private const int Parallelism = 32;

    protected override async Task<int> Run(IClusterClient client, StatusSettings o, CancellationToken cancellationToken)
    {
        if (o.Name is not null)
        {
            var key = MailboxKey.For(o.EffectiveTenant, o.Name);
            var status = await client.GetGrain<IMailboxGrain>(key).GetStatus();
            var outbox = await client.GetGrain<Outgoing.IOutboxGrain>(key).GetStatus();
            var certificateWarning = await CertificateWarningFor(client, o.EffectiveTenant, key);
            var backlog = await client.GetGrain<IIntakeBacklogGrain>(0).ForMailbox(o.EffectiveTenant, o.Name);
            var now = DateTimeOffset.UtcNow;
            if (o.Json)
            {
                Output.WriteJson(new { name = o.Name, status, backlog = BacklogRendering.Json(backlog, now), outbox, certificateWarning });
            }
            else
            {
                MailboxRendering.Status(o.Name, status);
                BacklogRendering.Write(backlog, now);
                if (certificateWarning is not null)
                {
                    AnsiConsole.MarkupLine($"[yellow]warning: {Output.Escape(certificateWarning)}[/]");
                }

                Outbox.OutboxRendering.Status(outbox);
            }

            return ExitCodes.Ok;
        }

        var names = new List<string>();
        await foreach (var summary in MailboxDirectory.All(client.GetGrain<ITenantGrain>(o.EffectiveTenant)))
        {
            names.Add(summary.Name);
        }

        var statuses = new MailboxStatus[names.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, names.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, _) => statuses[i] = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, names[i])).GetStatus());

        if (o.Json)
        {
            Output.WriteJson(names.Select((n, i) => new { name = n, status = statuses[i] }));
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Name", "State", "Last poll", "Next poll", "Fetched", "Accepted", "Failures", "Last error");
        for (var i = 0; i < names.Count; i++)
        {
            var s = statuses[i];
            table.AddRow(
                Output.Escape(names[i]),
                s.State.ToString(),
                s.LastPollStarted?.ToString("u") ?? "-",
                s.NextPoll?.ToString("u") ?? "-",
                s.Counts.Fetched.ToString(),
                s.Counts.Accepted.ToString(),
                s.ConsecutiveFailures == 0 ? "0" : $"[red]{s.ConsecutiveFailures}[/]",
                Output.Escape(s.LastError ?? "-"));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    /// <summary>For a mailbox that uses S/MIME: a missing certificate, or one expired or expiring within 30 days.</summary>
    private static async Task<string?> CertificateWarningFor(IClusterClient client, string tenant, string key)
    {
        if (await client.GetGrain<IMailboxGrain>(key).Get() is not { Settings: { Smime: not null, Outgoing: { } outgoing } })
        {
            return null;
        }

        var address = Techmail.Certificates.SmimeAddress.Of(outgoing);
        var certificate = await client.GetGrain<Techmail.Certificates.ICertificateGrain>(tenant).ForMailbox(address);
        return Techmail.Certificates.CertificateWarning.For(certificate, address, DateTimeOffset.UtcNow);
    }
}

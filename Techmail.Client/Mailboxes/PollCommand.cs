using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Incidents;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class PollSettings : MailboxNameSettings
{
    [CommandOption("--wait"), Description("Wait for the poll to finish and show its outcome.")]
    public bool Wait { get; init; }

    [CommandOption("--until-built"), Description("Also wait until the mail the poll took has become incidents (Service) or bounces (Marketing); implies --wait.")]
    public bool UntilBuilt { get; init; }

    [CommandOption("--timeout <SECONDS>"), Description("How long --wait and --until-built wait in all (default 600); exit code 7 when it runs out.")]
    public int TimeoutSeconds { get; init; } = 600;
}

public sealed class PollCommand : TechmailCommand<PollSettings>
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override void Prepare(PollSettings o)
    {
        if (o.TimeoutSeconds < 1)
        {
            throw new CommandFailure("--timeout must be at least 1 second.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, PollSettings o, CancellationToken cancellationToken)
    {
        var key = MailboxKey.For(o.EffectiveTenant, o.Name);
        var grain = client.GetGrain<IMailboxGrain>(key);
        var wait = o.Wait || o.UntilBuilt;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(o.TimeoutSeconds);
        var before = await grain.PollNow();
        var status = before;
        if (wait)
        {
            // The poll runs in the silo as the mailbox's own work; watch its status until a newer poll has ended.
            do
            {
                await Task.Delay(Interval, cancellationToken);
                status = await grain.GetStatus();
            }
            while (!status.FinishedPollSince(before) && DateTimeOffset.UtcNow < deadline);

            if (!status.FinishedPollSince(before))
            {
                throw new CommandFailure($"the poll of '{o.Name}' did not finish within {o.TimeoutSeconds}s; see 'techmail mailbox status {o.Name}'.", ExitCodes.TimedOut);
            }
        }

        if (o.UntilBuilt)
        {
            // The poll ends once what it took is recorded; incidents are built from the record in the background.
            // Bounces are recorded as such in the hand-off itself, so a Marketing mailbox never has mail waiting here.
            var backlog = client.GetGrain<Techmail.Intake.IIntakeBacklogGrain>(0);
            long waiting;
            while ((waiting = (await backlog.ForMailbox(o.EffectiveTenant, o.Name)).Waiting) > 0)
            {
                if (DateTimeOffset.UtcNow >= deadline)
                {
                    throw new CommandFailure(
                        $"{waiting} message(s) polled from '{o.Name}' were not yet built into incidents after {o.TimeoutSeconds}s; see 'techmail mailbox status {o.Name}'.",
                        ExitCodes.TimedOut);
                }

                await Task.Delay(Interval, cancellationToken);
            }
        }

        if (o.Json)
        {
            Output.WriteJson(new { name = o.Name, status });
        }
        else if (wait)
        {
            MailboxRendering.Status(o.Name, status);
        }
        else
        {
            Console.WriteLine($"Poll of '{o.Name}' started; 'techmail mailbox status {o.Name}' shows how it went.");
        }

        return wait && status.LastError is not null && status.ConsecutiveFailures > 0 ? ExitCodes.Refused : ExitCodes.Ok;
    }
}

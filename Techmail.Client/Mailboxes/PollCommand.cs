using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class PollSettings : MailboxNameSettings
{
    [CommandOption("--wait"), Description("Wait for the poll to finish and show its outcome.")]
    public bool Wait { get; init; }

    [CommandOption("--timeout <SECONDS>"), Description("How long --wait waits (default 600).")]
    public int TimeoutSeconds { get; init; } = 600;
}

public sealed class PollCommand : TechmailCommand<PollSettings>
{
    protected override async Task<int> Run(IClusterClient client, PollSettings o, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name));
        var before = await grain.PollNow();
        var status = before;
        if (o.Wait)
        {
            var deadline = DateTimeOffset.UtcNow.AddSeconds(o.TimeoutSeconds);
            // The poll runs in the silo as the mailbox's own work; watch its status until a newer poll has ended.
            do
            {
                await Task.Delay(250, cancellationToken);
                status = await grain.GetStatus();
            }
            while (!status.FinishedPollSince(before) && DateTimeOffset.UtcNow < deadline);

            if (!status.FinishedPollSince(before))
            {
                throw new CommandFailure($"the poll of '{o.Name}' did not finish within {o.TimeoutSeconds}s; see 'techmail mailbox status {o.Name}'.", ExitCodes.Refused);
            }
        }

        if (o.Json)
        {
            Output.WriteJson(new { name = o.Name, status });
        }
        else if (o.Wait)
        {
            MailboxRendering.Status(o.Name, status);
        }
        else
        {
            Console.WriteLine($"Poll of '{o.Name}' started; 'techmail mailbox status {o.Name}' shows how it went.");
        }

        return o.Wait && status.LastError is not null && status.ConsecutiveFailures > 0 ? ExitCodes.Refused : ExitCodes.Ok;
    }
}

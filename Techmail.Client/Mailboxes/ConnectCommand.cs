using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Connections;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class ConnectSettings : MailboxNameSettings
{
    [CommandOption("--timeout <SECONDS>"), Description("Give up after this long (default: when the provider's code expires); exit code 7.")]
    public int? TimeoutSeconds { get; init; }
}

/// <summary>
/// Connects a mailbox that logs in by a person's consent, with the device flow (RFC 8628): the silo asks the provider
/// for a code, this command shows where to enter it, and then asks the silo at the provider's pace until the person
/// approved, refused, or the code ran out. The refresh token never leaves the silo; this command sees only the code.
/// </summary>
public sealed class ConnectCommand : TechmailCommand<ConnectSettings>
{
    protected override void Prepare(ConnectSettings o)
    {
        if (o.TimeoutSeconds is < 1)
        {
            throw new CommandFailure("--timeout must be at least 1 second.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, ConnectSettings o, CancellationToken cancellationToken)
    {
        var grant = client.GetGrain<IMailboxGrantGrain>(MailboxKey.For(o.EffectiveTenant, o.Name));
        var shown = await grant.StartDeviceConnect();

        // The prompt is for the person at the terminal; with --json it goes to standard error, and standard output
        // carries only the result.
        var prompt = o.Json ? Console.Error : Console.Out;
        await prompt.WriteLineAsync($"To connect mailbox '{o.Name}', open {shown.VerificationUri} and enter the code {shown.UserCode}");
        if (shown.VerificationUriComplete is { } complete)
        {
            await prompt.WriteLineAsync($"(or open {complete}, which has the code in it)");
        }

        await prompt.WriteLineAsync($"Waiting until {shown.ExpiresAt.ToLocalTime():HH:mm:ss} for the approval...");
        var deadline = o.TimeoutSeconds is { } seconds ? DateTimeOffset.UtcNow.AddSeconds(seconds) : shown.ExpiresAt.AddSeconds(5);
        var interval = shown.Interval;
        while (true)
        {
            if (DateTimeOffset.UtcNow + interval > deadline)
            {
                throw new CommandFailure($"no approval for '{o.Name}' arrived in time; run 'techmail mailbox connect {o.Name}' again.", ExitCodes.TimedOut);
            }

            await Task.Delay(interval, cancellationToken);
            var step = await grant.ContinueDeviceConnect();
            interval = step.Interval;
            switch (step.Progress)
            {
                case DeviceConnectProgress.Pending:
                    continue;
                case DeviceConnectProgress.SlowDown:
                    // The provider asked for a slower pace (RFC 8628 3.5): the interval grew, and stays grown.
                    continue;
                case DeviceConnectProgress.Connected:
                    if (o.Json)
                    {
                        Output.WriteJson(new { name = o.Name, grant = step.Grant });
                    }
                    else
                    {
                        Console.WriteLine($"Mailbox '{o.Name}' is connected{(step.Grant?.Account is { } account ? $" as {account}" : "")}; its polls and sends log in with this consent from now on.");
                        if (step.Grant is { } given && MailboxRendering.ConsentedByAnother(o.Name, given) is { } note)
                        {
                            Console.WriteLine(note);
                        }
                    }

                    return ExitCodes.Ok;
                case DeviceConnectProgress.Expired:
                    throw new CommandFailure($"'{o.Name}' was not connected: {step.Problem}", ExitCodes.TimedOut);
                default:
                    throw new CommandFailure($"'{o.Name}' was not connected: {step.Problem}", ExitCodes.Refused);
            }
        }
    }
}

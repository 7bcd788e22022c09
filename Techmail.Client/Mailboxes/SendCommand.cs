using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;
using Techmail.Outgoing;

namespace Techmail.Client.Mailboxes;

public sealed class SendSettings : MailboxNameSettings
{
    [CommandOption("--to <ADDRESS>"), Description("Recipient; repeatable.")]
    public string[] To { get; init; } = [];

    [CommandOption("--subject <TEXT>"), Description("Subject line.")]
    public string Subject { get; init; } = "Techmail test message";

    [CommandOption("--body <TEXT>"), Description("Plain-text body (default: a short test text).")]
    public string? Body { get; init; }
}

/// <summary>Sends a message through a mailbox: how an admin checks its outgoing settings end to end.</summary>
public sealed class SendCommand : TechmailCommand<SendSettings>
{
    protected override void Prepare(SendSettings o)
    {
        if (o.To.Length == 0)
        {
            throw new CommandFailure("--to is required.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, SendSettings o, CancellationToken cancellationToken)
    {
        var body = o.Body ?? $"This message was sent by Techmail through mailbox '{o.Name}' to check its outgoing settings.";
        var receipt = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name)).Send(new OutgoingMail(o.To, o.Subject, body));
        if (o.Json)
        {
            Output.WriteJson(receipt);
        }
        else
        {
            Console.WriteLine($"Sent {receipt.MessageId} from {receipt.EnvelopeFrom} to {string.Join(", ", receipt.Recipients)}.");
        }

        return ExitCodes.Ok;
    }
}

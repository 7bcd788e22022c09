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

    [CommandOption("--request-id <ID>"), Description("Keys the send: run again with the same id, nothing new is queued (default: a new id, printed).")]
    public string? RequestId { get; init; }

    [CommandOption("--wait"), Description("Wait until the relay took the message or refused it, and say which.")]
    public bool Wait { get; init; }

    [CommandOption("--timeout <SECONDS>"), Description("How long --wait waits (default 60).")]
    public int TimeoutSeconds { get; init; } = OutcomeWait.DefaultTimeoutSeconds;
}

/// <summary>
/// Queues a message in a mailbox's outbox: how an admin checks its outgoing settings end to end. The silo answers at
/// once; the outbox sends, and <c>--wait</c> follows the mail until the relay took or refused it.
/// </summary>
public sealed class SendCommand : TechmailCommand<SendSettings>
{
    protected override void Prepare(SendSettings o)
    {
        if (o.To.Length == 0)
        {
            throw new CommandFailure("--to is required.");
        }

        if (o.RequestId is not null && !SendQueue.IsValidRequestId(o.RequestId))
        {
            throw new CommandFailure($"--request-id must be 1-{SendQueue.MaxRequestIdLength} letters, digits, '.', '_' or '-'.");
        }

        OutcomeWait.Check(o.Wait, o.TimeoutSeconds);
    }

    protected override async Task<int> Run(IClusterClient client, SendSettings o, CancellationToken cancellationToken)
    {
        var body = o.Body ?? $"This message was sent by Techmail through mailbox '{o.Name}' to check its outgoing settings.";
        var key = MailboxKey.For(o.EffectiveTenant, o.Name);
        // Chosen here, not in the silo: a retry of this very call after a timeout is then the same send.
        var requestId = o.RequestId ?? Guid.NewGuid().ToString("N");
        var ticket = await client.GetGrain<IMailboxGrain>(key).Send(new OutgoingMail(o.To, o.Subject, body), requestId);
        var queued = ticket.AlreadyQueued ? "was already queued" : "queued";
        if (!o.Wait)
        {
            if (o.Json)
            {
                Output.WriteJson(new
                {
                    ticket.OutboxId, ticket.RequestId, ticket.MessageId, ticket.EnvelopeFrom, ticket.Recipients, ticket.AlreadyQueued, state = OutboxState.Queued,
                    attempts = 0, lastError = (string?)null, sent = (DateTimeOffset?)null, held = (string?)null,
                });
            }
            else
            {
                Console.WriteLine($"Message {ticket.MessageId} {queued} as outbox mail #{ticket.OutboxId} (request {ticket.RequestId}), from {ticket.EnvelopeFrom} to {string.Join(", ", ticket.Recipients)}.");
                Console.WriteLine($"'techmail mailbox send ... --wait' waits for the relay; 'techmail mailbox status {o.Name}' shows the outbox.");
            }

            return ExitCodes.Ok;
        }

        var outbox = client.GetGrain<IOutboxGrain>(key);
        var entry = await OutcomeWait.Until(() => outbox.Get(ticket.OutboxId), e => e is null || e.State != OutboxState.Queued, o.TimeoutSeconds, cancellationToken)
            ?? throw new CommandFailure($"outbox mail #{ticket.OutboxId} is gone from the outbox of '{o.Name}'.", ExitCodes.Refused);
        // Still queued: say why, held (mailbox disabled, login refused) or retrying after an error.
        var held = entry.State == OutboxState.Queued ? (await outbox.GetStatus()).Held : null;
        var why = held ?? entry.LastError;
        if (o.Json)
        {
            Output.WriteJson(new
            {
                ticket.OutboxId, ticket.RequestId, ticket.MessageId, ticket.EnvelopeFrom, ticket.Recipients, ticket.AlreadyQueued,
                state = entry.State, entry.Attempts, entry.LastError, entry.Sent, held,
            });
        }
        else
        {
            Console.WriteLine(entry.State switch
            {
                OutboxState.Sent => $"Sent {ticket.MessageId} from {ticket.EnvelopeFrom} to {string.Join(", ", ticket.Recipients)} (outbox mail #{entry.Id}).",
                OutboxState.Failed => $"Not sent: outbox mail #{entry.Id} failed for good: {entry.LastError}",
                _ => $"Still queued after {o.TimeoutSeconds}s as outbox mail #{entry.Id} ({entry.Attempts} attempt(s)"
                    + (why is null ? "" : $"; {why}") + "); the outbox keeps trying.",
            });
        }

        return entry.State == OutboxState.Sent ? ExitCodes.Ok : ExitCodes.Refused;
    }
}

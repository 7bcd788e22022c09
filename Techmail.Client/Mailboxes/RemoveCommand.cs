using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class RemoveCommand : TechmailCommand<MailboxNameSettings>
{
    protected override async Task<int> Run(IClusterClient client, MailboxNameSettings o, CancellationToken cancellationToken)
    {
        var removed = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name)).Remove();
        if (!removed)
        {
            throw new MailboxException(MailboxErrorKind.NotFound, $"mailbox '{o.Name}' does not exist in tenant '{o.EffectiveTenant}'.");
        }

        if (o.Json)
        {
            Output.WriteJson(new { removed = o.Name });
        }
        else
        {
            Console.WriteLine($"Mailbox '{o.Name}' removed.");
        }

        return ExitCodes.Ok;
    }
}

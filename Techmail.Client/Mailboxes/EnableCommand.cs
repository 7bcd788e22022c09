using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public class EnableCommand : TechmailCommand<MailboxNameSettings>
{
    protected virtual bool Enabled => true;

    protected override async Task<int> Run(IClusterClient client, MailboxNameSettings o, CancellationToken cancellationToken)
    {
        var view = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name)).SetEnabled(Enabled);
        if (o.Json)
        {
            Output.WriteJson(view);
        }
        else
        {
            Console.WriteLine($"Mailbox '{o.Name}' {(Enabled ? "enabled" : "disabled")}.");
        }

        return ExitCodes.Ok;
    }
}

using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class ShowCommand : TechmailCommand<MailboxNameSettings>
{
    protected override async Task<int> Run(IClusterClient client, MailboxNameSettings o, CancellationToken cancellationToken)
    {
        var view = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name)).Get()
            ?? throw new MailboxException(MailboxErrorKind.NotFound, $"mailbox '{o.Name}' does not exist in tenant '{o.EffectiveTenant}'.");
        if (o.Json)
        {
            Output.WriteJson(view);
        }
        else
        {
            MailboxRendering.Show(view);
        }

        return ExitCodes.Ok;
    }
}

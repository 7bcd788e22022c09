using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class UpdateCommand : TechmailCommand<MailboxEditSettings>
{
    protected override void Prepare(MailboxEditSettings o)
    {
        // Parse every option before connecting so a typo never half-applies.
        MailboxSettingsBuilder.Apply(MailboxSettings.Empty(MailboxType.Service), o, () => "");
    }

    protected override async Task<int> Run(IClusterClient client, MailboxEditSettings o, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name));
        var current = await grain.Export(includeSecrets: false)
            ?? throw new MailboxException(MailboxErrorKind.NotFound, $"mailbox '{o.Name}' does not exist in tenant '{o.EffectiveTenant}'.");
        var start = o.FromJson is null ? current : MailboxSettingsBuilder.FromJsonFile(o.FromJson);
        var view = await grain.Update(MailboxSettingsBuilder.Apply(start, o));
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

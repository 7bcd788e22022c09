using Techmail.Client.Infrastructure;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

public sealed class AddCommand : TechmailCommand<MailboxEditSettings>
{
    private MailboxSettings _settings = MailboxSettings.Empty(MailboxType.Service);

    protected override void Prepare(MailboxEditSettings o)
    {
        if (o.FromJson is null && o.Type is null)
        {
            throw new CommandFailure("--type is required to add a mailbox (service or marketing).");
        }

        var start = o.FromJson is null ? MailboxSettings.Empty(MailboxType.Service) : MailboxSettingsBuilder.FromJsonFile(o.FromJson);
        _settings = MailboxSettingsBuilder.Apply(start, o);
    }

    protected override async Task<int> Run(IClusterClient client, MailboxEditSettings o, CancellationToken cancellationToken)
    {
        var view = await client.GetGrain<IMailboxGrain>(MailboxKey.For(o.EffectiveTenant, o.Name)).Create(_settings);
        if (o.Json)
        {
            Output.WriteJson(view);
        }
        else
        {
            MailboxRendering.Show(view);
            if (!view.Settings.Enabled)
            {
                Console.WriteLine($"Mailbox '{o.Name}' added, disabled: 'techmail mailbox enable {o.Name}' starts it.");
            }
        }

        return ExitCodes.Ok;
    }
}

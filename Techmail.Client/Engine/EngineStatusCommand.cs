using Spectre.Console;
using Techmail.Client.Infrastructure;
using Techmail.Engine;

namespace Techmail.Client.Engine;

public sealed class EngineStatusCommand : TechmailCommand<GlobalSettings>
{
    protected override async Task<int> Run(IClusterClient client, GlobalSettings o, CancellationToken cancellationToken)
    {
        var status = await client.GetGrain<IEngineGrain>(0).GetStatus();
        if (o.Json)
        {
            Output.WriteJson(new { status.Tenants, status.Mailboxes, status.EnabledMailboxes, status.Storage, status.Ready, status.Message });
            return ExitCodes.Ok;
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]Gateway[/]", Output.Escape(o.EffectiveGateway));
        grid.AddRow("[grey]Storage[/]", status.Storage);
        grid.AddRow("[grey]Tenants[/]", status.Tenants.ToString());
        grid.AddRow("[grey]Mailboxes[/]", $"{status.EnabledMailboxes} enabled of {status.Mailboxes}");
        grid.AddRow("[grey]Status[/]", status.Ready ? $"[green]{Output.Escape(status.Message)}[/]" : $"[yellow]{Output.Escape(status.Message)}[/]");
        AnsiConsole.Write(grid);
        return ExitCodes.Ok;
    }
}

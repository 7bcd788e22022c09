using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Tenants;

namespace Techmail.Client.Mailboxes;

public sealed class ListSettings : GlobalSettings
{
    [CommandOption("--after <NAME>"), Description("Start after this mailbox name (paging).")]
    public string? After { get; init; }

    [CommandOption("--limit <N>"), Description("At most this many mailboxes (default 100, at most 1000).")]
    public int Limit { get; init; } = 100;

    [CommandOption("--all"), Description("Every mailbox, however many.")]
    public bool All { get; init; }
}

public sealed class ListCommand : TechmailCommand<ListSettings>
{
    protected override void Prepare(ListSettings o)
    {
        if (o.Limit is < 1 or > MailboxPage.MaxTake)
        {
            throw new CommandFailure($"--limit must be 1-{MailboxPage.MaxTake}.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, ListSettings o, CancellationToken cancellationToken)
    {
        var tenant = client.GetGrain<ITenantGrain>(o.EffectiveTenant);
        List<MailboxSummary> items;
        int total;
        string? next;
        if (o.All)
        {
            items = [];
            await foreach (var item in MailboxDirectory.All(tenant))
            {
                items.Add(item);
            }

            (total, next) = (items.Count, null);
        }
        else
        {
            var page = await tenant.List(o.After, o.Limit);
            (items, total, next) = (page.Items.ToList(), page.Total, page.NextAfter);
        }

        if (o.Json)
        {
            Output.WriteJson(new { tenant = o.EffectiveTenant, total, next, items });
            return ExitCodes.Ok;
        }

        if (total == 0)
        {
            Console.WriteLine($"No mailboxes in tenant '{o.EffectiveTenant}'. Add one with 'techmail mailbox add NAME --type service ...'.");
            return ExitCodes.Ok;
        }

        AnsiConsole.Write(MailboxRendering.ListTable(items));
        Console.WriteLine(next is null
            ? $"{items.Count} of {total} mailbox(es)."
            : $"{items.Count} of {total} mailbox(es); next page: --after {next}");
        return ExitCodes.Ok;
    }
}

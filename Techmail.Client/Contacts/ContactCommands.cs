using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Bounces;
using Techmail.Client.Infrastructure;
using Techmail.Contacts;
using Techmail.Incidents;

namespace Techmail.Client.Contacts;

public class ContactAddressSettings : GlobalSettings
{
    [CommandArgument(0, "<ADDRESS>")]
    public string Address { get; init; } = "";
}

public sealed class ContactListSettings : GlobalSettings
{
    [CommandOption("--invalid"), Description("Addresses not to mail: invalid or opted out (required for now).")]
    public bool Invalid { get; init; }

    [CommandOption("--limit <N>")]
    public int Limit { get; init; } = 1000;
}

public sealed class ContactShowCommand : TechmailCommand<ContactAddressSettings>
{
    protected override async Task<int> Run(IClusterClient client, ContactAddressSettings o, CancellationToken cancellationToken)
    {
        var key = AddressKey.For(o.EffectiveTenant, o.Address);
        var status = await client.GetGrain<IAddressGrain>(key).Get();
        var contact = await client.GetGrain<IContactGrain>(key).Get();
        var incidents = await client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(o.EffectiveTenant, Contact: o.Address, Take: 20));
        if (o.Json)
        {
            // The address's bounce fields stay at the top, as before contacts existed, so scripts reading them keep working.
            Output.WriteJson(new
            {
                status.Address, status.Invalid, status.InvalidReason, status.InvalidSince, status.OptedOut, status.History,
                Contact = contact,
                Incidents = incidents.Incidents,
            });
            return ExitCodes.Ok;
        }

        if (contact is not null)
        {
            AnsiConsole.MarkupLine($"[bold]Contact[/] {Output.Escape(contact.Name ?? "(no name)")} <{Output.Escape(contact.Address)}>, since {contact.Created:u}");
        }
        else
        {
            AnsiConsole.MarkupLine("[grey]Not a service contact (no mail received from this address).[/]");
        }

        ContactRendering.Write(status, json: false);
        if (incidents.Incidents.Count > 0)
        {
            var table = new Table().AddColumns("Incident", "Status", "Subject", "Updated");
            foreach (var i in incidents.Incidents)
            {
                table.AddRow(i.Reference, i.Status.ToString().ToLowerInvariant(), Output.Escape(i.Subject), i.Updated.ToString("u"));
            }

            AnsiConsole.Write(table);
            Console.WriteLine(incidents.Next is null ? $"{incidents.Incidents.Count} incident(s)." : $"newest {incidents.Incidents.Count} incidents; 'incident list --contact {o.Address}' for all.");
        }

        return ExitCodes.Ok;
    }
}

public sealed class ContactRevalidateCommand : TechmailCommand<ContactAddressSettings>
{
    protected override async Task<int> Run(IClusterClient client, ContactAddressSettings o, CancellationToken cancellationToken)
    {
        var status = await client.GetGrain<IAddressGrain>(AddressKey.For(o.EffectiveTenant, o.Address)).Revalidate();
        ContactRendering.Write(status, o.Json);
        return ExitCodes.Ok;
    }
}

public sealed class ContactListCommand : TechmailCommand<ContactListSettings>
{
    protected override void Prepare(ContactListSettings o)
    {
        if (!o.Invalid)
        {
            throw new CommandFailure("only 'contact list --invalid' exists; 'incident list --contact ADDRESS' lists a contact's incidents.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, ContactListSettings o, CancellationToken cancellationToken)
    {
        var rows = await client.GetGrain<IBounceDirectoryGrain>(o.EffectiveTenant).Invalid(o.Limit);
        if (o.Json)
        {
            Output.WriteJson(rows.Select(r => new { r.Address, r.Invalid, r.InvalidReason, r.InvalidSince, r.OptedOut }));
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Address", "Invalid", "Opted out", "Since", "Why");
        foreach (var r in rows)
        {
            table.AddRow(Output.Escape(r.Address), r.Invalid ? "[red]yes[/]" : "no", r.OptedOut ? "yes" : "no", r.InvalidSince?.ToString("u") ?? "-", Output.Escape(r.InvalidReason ?? "-"));
        }

        AnsiConsole.Write(table);
        Console.WriteLine($"{rows.Count} address(es).");
        return ExitCodes.Ok;
    }
}

internal static class ContactRendering
{
    public static void Write(AddressStatus status, bool json)
    {
        if (json)
        {
            Output.WriteJson(status);
            return;
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]Address[/]", Output.Escape(status.Address));
        grid.AddRow("[grey]Invalid[/]", status.Invalid ? $"[red]yes[/] since {status.InvalidSince:u}: {Output.Escape(status.InvalidReason)}" : "no");
        grid.AddRow("[grey]Opted out[/]", status.OptedOut ? "yes (complaint)" : "no");
        grid.AddRow("[grey]Bounces[/]", status.History.Count.ToString());
        AnsiConsole.Write(grid);
        if (status.History.Count > 0)
        {
            var table = new Table().AddColumns("Received", "Mailbox", "Reason", "Hard", "Status", "Mailing");
            foreach (var b in status.History.AsEnumerable().Reverse())
            {
                table.AddRow(b.Received.ToString("u"), Output.Escape(b.Mailbox), b.Reason, b.HardBounce switch { true => "hard", false => "soft", null => "-" },
                    b.Status ?? "-", Output.Escape(b.Mailing ?? "-"));
            }

            AnsiConsole.Write(table);
        }
    }
}

using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Rules;

namespace Techmail.Client.Rules;

public sealed class RulesTestSettings : GlobalSettings
{
    [CommandArgument(0, "<FILE>"), Description("A message file (.eml), as it came from the mail server.")]
    public string File { get; init; } = "";

    [CommandOption("--mailbox <NAME>"), Description("The mailbox the message arrives in, for mailbox conditions.")]
    public string Mailbox { get; init; } = "";

    [CommandOption("--update"), Description("Judge it as a reply to an existing incident (isNew is false).")]
    public bool Update { get; init; }

    [CommandOption("--contact-known"), Description("Judge it as from a known contact (default: whether the sender is a contact now).")]
    public bool ContactKnown { get; init; }

    [CommandOption("--contact-unknown"), Description("Judge it as from an unknown sender.")]
    public bool ContactUnknown { get; init; }

    public override ValidationResult Validate() =>
        ContactKnown && ContactUnknown ? ValidationResult.Error("--contact-known and --contact-unknown exclude each other.") : ValidationResult.Success();
}

/// <summary>Which rules a message would fire and what the incident would get. Nothing is stored or sent.</summary>
public sealed class RulesTestCommand : TechmailCommand<RulesTestSettings>
{
    private byte[] _raw = [];

    protected override void Prepare(RulesTestSettings o)
    {
        try
        {
            _raw = System.IO.File.ReadAllBytes(o.File);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"{o.File}: {e.Message}");
        }
    }

    protected override async Task<int> Run(IClusterClient client, RulesTestSettings o, CancellationToken cancellationToken)
    {
        var known = o.ContactKnown || (!o.ContactUnknown && await IsContact(client, o.EffectiveTenant));
        var outcome = await client.GetGrain<IRulesGrain>(o.EffectiveTenant).Test(_raw, o.Mailbox, !o.Update, known);
        if (o.Json)
        {
            Output.WriteJson(outcome);
            return ExitCodes.Ok;
        }

        AnsiConsole.MarkupLine($"[grey]judged as {(o.Update ? "an update" : "a new incident")} from {(known ? "a known contact" : "an unknown sender")}[/]");
        RuleOutcomeRendering.Write(outcome);
        return ExitCodes.Ok;
    }

    /// <summary>Whether the sender intake would resolve (From, Sender, Return-Path; never Reply-To) is one of the tenant's contacts.</summary>
    private async Task<bool> IsContact(IClusterClient client, string tenant)
    {
        var read = Techmail.Incidents.Parsing.CustomerMessageReader.Read(_raw, "rules-test");
        return read.IsMessage
            && await client.GetGrain<Techmail.Contacts.IContactGrain>(Techmail.Bounces.AddressKey.For(tenant, read.Message.Sender.LookupKey)).Get() is not null;
    }
}

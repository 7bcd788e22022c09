using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;

namespace Techmail.Client.Mailboxes;

public class MailboxNameSettings : GlobalSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("Mailbox name: letters, digits, '.', '_' or '-'.")]
    public string Name { get; init; } = "";
}

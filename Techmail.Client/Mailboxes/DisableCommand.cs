namespace Techmail.Client.Mailboxes;

public sealed class DisableCommand : EnableCommand
{
    protected override bool Enabled => false;
}

namespace Techmail.Polling;

/// <summary>
/// Connections held open to an account between polls. A per-account connection limit must count these as well as
/// the polls running, since the provider counts every open connection: this is where it asks.
/// </summary>
public interface IKeptConnections
{
    int KeptFor(MailAccount account);
}

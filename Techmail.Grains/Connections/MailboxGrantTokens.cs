namespace Techmail.Connections;

/// <summary>Where a login asks for a delegated mailbox's access token: its <see cref="IMailboxGrantGrain"/>.</summary>
public interface IGrantTokens
{
    /// <param name="mailboxKey">The mailbox whose grant it is (<see cref="Mailboxes.MailboxKey.For"/>).</param>
    /// <param name="refusedToken">A token the mail server just refused, so the grant refreshes.</param>
    Task<GrantedToken> Get(string mailboxKey, string? refusedToken);
}

public sealed class MailboxGrantTokens(IGrainFactory grains) : IGrantTokens
{
    public Task<GrantedToken> Get(string mailboxKey, string? refusedToken) =>
        grains.GetGrain<IMailboxGrantGrain>(mailboxKey).AccessToken(refusedToken);
}

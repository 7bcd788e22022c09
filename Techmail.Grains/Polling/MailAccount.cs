using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>
/// One login on one mail server, as a tenant's mailbox uses it: what a failure of that mailbox is counted against.
/// </summary>
/// <param name="Server">Host (lower case) and port: two services on one host fail apart.</param>
public sealed record MailAccount(string Tenant, string Server, string User)
{
    public static MailAccount Of(string tenant, IncomingSettings incoming) =>
        new(tenant, $"{incoming.Host.ToLowerInvariant()}:{incoming.EffectivePort}", incoming.Account);
}

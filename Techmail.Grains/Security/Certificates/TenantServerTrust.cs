using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Techmail.Mailboxes;

namespace Techmail.Certificates;

/// <summary>
/// Adds the tenant's trusted CA certificates (<c>cert import --kind ca</c>) to what a mailbox trusts for its mail
/// servers, so one private CA imported once serves every mailbox of the tenant. A mailbox that pins its server's
/// exact certificate keeps just that pin.
/// </summary>
/// <remarks>
/// The CAs are read at most once a minute per tenant and silo: every poll of thousands of mailboxes needs them, and
/// a CA imported or removed takes effect within that minute.
/// </remarks>
public sealed class TenantServerTrust(CertificateStore store, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Read, string? Pem)> _tenants = new(StringComparer.Ordinal);

    public async Task<MailboxSettings> Apply(string tenant, MailboxSettings settings)
    {
        if (settings.Incoming is null && settings.Outgoing?.Relay is null)
        {
            return settings;
        }

        var pem = await CaPem(tenant);
        if (pem is null)
        {
            return settings;
        }

        return settings with
        {
            Incoming = settings.Incoming is { } incoming ? incoming with { Trust = With(incoming.Trust, pem) } : null,
            Outgoing = settings.Outgoing is { Relay: { } relay } outgoing ? outgoing with { Relay = relay with { Trust = With(relay.Trust, pem) } } : settings.Outgoing,
        };
    }

    private static ServerTrust With(ServerTrust? trust, string tenantPem) => trust switch
    {
        { PinnedSha256.Length: > 0 } => trust,
        { CaCertificatePem.Length: > 0 } own => own with { CaCertificatePem = own.CaCertificatePem + "\n" + tenantPem },
        _ => new ServerTrust(tenantPem, null),
    };

    private async Task<string?> CaPem(string tenant)
    {
        var now = time.GetUtcNow();
        if (_tenants.TryGetValue(tenant, out var cached) && now - cached.Read < Freshness)
        {
            return cached.Pem;
        }

        var cas = (await store.List(tenant)).Where(c => c.Kind == CertificateKind.Ca).ToList();
        var pem = cas.Count == 0
            ? null
            : string.Join("\n", cas.Select(c => X509CertificateLoader.LoadCertificate(c.Der).ExportCertificatePem()));
        _tenants[tenant] = (now, pem);
        return pem;
    }
}

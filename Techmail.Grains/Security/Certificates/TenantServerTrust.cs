using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Techmail.Mailboxes;

namespace Techmail.Certificates;

/// <summary>
/// Adds the tenant's server-TLS CA certificates (<c>cert import --kind server-ca</c>) to what a mailbox trusts for its
/// mail servers, so one private CA imported once serves every mailbox of the tenant, and the tenant's CRLs, against
/// which every certificate of a server's chain is checked. The tenant's S/MIME CAs are never added: a CA trusted to
/// vouch for customers' signatures is not thereby trusted to vouch for a mail server. A mailbox that pins its server's
/// exact certificate keeps just that pin.
/// </summary>
/// <remarks>
/// The CAs and CRLs are read at most once a minute per tenant and silo: every poll of thousands of mailboxes needs
/// them, and a CA or CRL imported or removed takes effect within that minute.
/// </remarks>
public sealed class TenantServerTrust(CertificateStore store, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Read, Imported Trust)> _tenants = new(StringComparer.Ordinal);

    private sealed record Imported(string? CaPem, IReadOnlyList<byte[]> Crls);

    public async Task<MailboxSettings> Apply(string tenant, MailboxSettings settings)
    {
        if (settings.Incoming is null && settings.Outgoing?.Relay is null)
        {
            return settings;
        }

        var imported = await Read(tenant);
        if (imported.CaPem is null && imported.Crls.Count == 0)
        {
            return settings;
        }

        return settings with
        {
            Incoming = settings.Incoming is { } incoming ? incoming with { Trust = With(incoming.Trust, imported) } : null,
            Outgoing = settings.Outgoing is { Relay: { } relay } outgoing ? outgoing with { Relay = relay with { Trust = With(relay.Trust, imported) } } : settings.Outgoing,
        };
    }

    private static ServerTrust With(ServerTrust? trust, Imported imported) => trust switch
    {
        { PinnedSha256.Length: > 0 } => trust,
        { CaCertificatePem.Length: > 0 } own => own with
        {
            CaCertificatePem = imported.CaPem is null ? own.CaCertificatePem : own.CaCertificatePem + "\n" + imported.CaPem,
            TenantCrls = imported.Crls,
        },
        _ => new ServerTrust(imported.CaPem, null, imported.Crls),
    };

    private async Task<Imported> Read(string tenant)
    {
        var now = time.GetUtcNow();
        if (_tenants.TryGetValue(tenant, out var cached) && now - cached.Read < Freshness)
        {
            return cached.Trust;
        }

        var cas = (await store.List(tenant)).Where(c => c.Kind == CertificateKind.ServerCa).ToList();
        var pem = cas.Count == 0
            ? null
            : string.Join("\n", cas.Select(c => X509CertificateLoader.LoadCertificate(c.Der).ExportCertificatePem()));
        var imported = new Imported(pem, [.. (await store.Crls(tenant)).Select(c => c.Der)]);
        _tenants[tenant] = (now, imported);
        return imported;
    }
}

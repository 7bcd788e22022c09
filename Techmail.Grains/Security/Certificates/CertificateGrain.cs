using Techmail.Mailboxes;
using Techmail.Tenants;

namespace Techmail.Certificates;

/// <summary>The tenant's certificate administration; parsing and storing are <see cref="CertificateFile"/>'s and the store's.</summary>
public sealed class CertificateGrain(CertificateStore store, IMailboxDirectoryStore directory, Audit.AuditLog audit, TimeProvider time) : Grain, ICertificateGrain
{
    private string Tenant => this.GetPrimaryKeyString();

    public async Task<CertificateImportResult> Import(byte[] content, string? password, CertificateKind? kind)
    {
        var now = time.GetUtcNow();
        var parsed = CertificateFile.Read(content, password, kind, store.Seal, now);
        if (parsed.Crl is { } crl)
        {
            await store.SaveCrl(Tenant, crl, now);
            await audit.Record(Tenant, Audit.AuditActions.CertificateImport, crl.Info.Thumbprint, null, crl.Info);
            return new CertificateImportResult([], crl.Info);
        }

        var users = await MailboxesByAddress();
        foreach (var certificate in parsed.Certificates)
        {
            await store.Import(Tenant, certificate);
        }

        var imported = parsed.Certificates.Select(c => c.Info(UsedBy(c, users))).ToList();
        foreach (var info in imported)
        {
            // The private key never reaches the log: CertificateInfo only says whether there is one.
            await audit.Record(Tenant, Audit.AuditActions.CertificateImport, info.Thumbprint, null, info);
        }

        return new CertificateImportResult(imported, null);
    }

    public async Task<CertificateListing> List()
    {
        var users = await MailboxesByAddress();
        var certificates = await store.List(Tenant);
        return new CertificateListing([.. certificates.Select(c => c.Info(UsedBy(c, users)))], [.. (await store.Crls(Tenant)).Select(c => c.Info)]);
    }

    public async Task<CertificateInfo?> Show(string thumbprint)
    {
        var certificate = await store.Get(Tenant, Normalise(thumbprint));
        return certificate?.Info(UsedBy(certificate, await MailboxesByAddress()));
    }

    public async Task Remove(string thumbprint)
    {
        thumbprint = Normalise(thumbprint);
        var certificate = await store.Get(Tenant, thumbprint);
        if (certificate is not null && UsedBy(certificate, await MailboxesByAddress()) is [_, ..] users)
        {
            throw new CertificateException(CertificateErrorKind.InUse, $"certificate {thumbprint} is used by mailbox {string.Join(", ", users)}; change the mailbox's From address or S/MIME settings first.");
        }

        if (!await store.Remove(Tenant, thumbprint))
        {
            throw new CertificateException(CertificateErrorKind.NotFound, $"no certificate or CRL {thumbprint} in tenant '{Tenant}'.");
        }

        // A CRL has no certificate row: its thumbprint alone says what went.
        await audit.Record(Tenant, Audit.AuditActions.CertificateRemove, thumbprint, (object?)certificate?.Info([]) ?? new { thumbprint, kind = "crl" }, null);
    }

    public async Task<CertificateInfo?> ForMailbox(string address)
    {
        var now = time.GetUtcNow();
        var candidates = (await store.List(Tenant))
            .Where(c => c.Kind == CertificateKind.Mailbox && c.SealedKey is not null && c.Addresses.Contains(address, StringComparer.OrdinalIgnoreCase))
            .OrderByDescending(c => c.NotBefore <= now)
            .ThenByDescending(c => c.NotAfter)
            .ToList();
        return candidates.FirstOrDefault()?.Info([]);
    }

    private static string Normalise(string thumbprint) => thumbprint.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();

    private static IReadOnlyList<string> UsedBy(StoredCertificate certificate, ILookup<string, string> mailboxes) =>
        certificate.Kind == CertificateKind.Mailbox ? [.. certificate.Addresses.SelectMany(a => mailboxes[a]).Distinct().Order(StringComparer.Ordinal)] : [];

    /// <summary>Mailbox names by the From address they sign with, for mailboxes that use S/MIME.</summary>
    private async Task<ILookup<string, string>> MailboxesByAddress()
    {
        var pairs = new List<(string Address, string Mailbox)>();
        foreach (var summary in await directory.Load(Tenant))
        {
            var view = await GrainFactory.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, summary.Name)).Get();
            if (view?.Settings is { Smime: not null, Outgoing: { } outgoing })
            {
                pairs.Add((SmimeAddress.Of(outgoing), summary.Name));
            }
        }

        return pairs.ToLookup(p => p.Address, p => p.Mailbox, StringComparer.OrdinalIgnoreCase);
    }
}

using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Techmail.Certificates;

/// <summary>
/// A tenant's certificates, keys and CRLs decoded for one piece of S/MIME work (a mail read or sent). Loaded fresh each
/// time, so an import or a removal counts from the next mail on, on every silo.
/// </summary>
public sealed class SmimeKeyring
{
    private SmimeKeyring(IReadOnlyList<Entry> certificates, RevocationLists revocations)
    {
        Certificates = certificates;
        Revocations = revocations;
    }

    public sealed record Entry(StoredCertificate Stored, X509Certificate Certificate, AsymmetricKeyParameter? PrivateKey);

    public IReadOnlyList<Entry> Certificates { get; }

    public RevocationLists Revocations { get; }

    public IReadOnlyList<X509Crl> Crls => Revocations.Crls;

    public IEnumerable<Entry> OfKind(CertificateKind kind) => Certificates.Where(c => c.Stored.Kind == kind);

    public static async Task<SmimeKeyring> Load(CertificateStore store, string tenant)
    {
        var parser = new X509CertificateParser();
        var entries = (await store.List(tenant))
            .Select(c => new Entry(c, parser.ReadCertificate(c.Der), store.PrivateKey(c) is { } pkcs8 ? PrivateKeyFactory.CreateKey(pkcs8) : null))
            .ToList();
        return new SmimeKeyring(entries, RevocationLists.Read((await store.Crls(tenant)).Select(c => c.Der)));
    }

    /// <summary>The mailbox certificate with a key for this address that is valid now, newest first; or why there is none.</summary>
    public (Entry? Entry, string? Problem) MailboxCertificate(string address, DateTimeOffset now)
    {
        var candidates = OfKind(CertificateKind.Mailbox).Where(c => c.PrivateKey is not null && c.Stored.Addresses.Contains(address, StringComparer.OrdinalIgnoreCase)).ToList();
        return Usable(candidates, $"no mailbox certificate with a private key for {address}", now);
    }

    /// <summary>The customer certificate to encrypt to: valid now, not revoked, newest first; or why there is none.</summary>
    public (Entry? Entry, string? Problem) CustomerCertificate(string address, DateTimeOffset now)
    {
        var candidates = OfKind(CertificateKind.Customer).Where(c => c.Stored.Addresses.Contains(address, StringComparer.OrdinalIgnoreCase)).ToList();
        return Usable(candidates, $"no certificate for {address}", now);
    }

    /// <summary>The CRL entry revoking <paramref name="certificate"/>, checked against a CRL signed by its stored issuer.</summary>
    public string? Revocation(X509Certificate certificate) =>
        Certificates
            .Where(c => c.Certificate.SubjectDN.Equivalent(certificate.IssuerDN))
            .Select(issuer => Revocations.Revocation(certificate, issuer.Certificate))
            .FirstOrDefault(r => r is not null);

    private (Entry?, string?) Usable(List<Entry> candidates, string none, DateTimeOffset now)
    {
        if (candidates.Count == 0)
        {
            return (null, none);
        }

        string? problem = null;
        foreach (var c in candidates.OrderByDescending(c => c.Stored.NotAfter))
        {
            problem = c.Stored.NotAfter < now
                ? $"certificate {c.Stored.Thumbprint} expired on {c.Stored.NotAfter:yyyy-MM-dd}"
                : c.Stored.NotBefore > now
                    ? $"certificate {c.Stored.Thumbprint} is not valid before {c.Stored.NotBefore:yyyy-MM-dd}"
                    : Revocation(c.Certificate);
            if (problem is null)
            {
                return (c, null);
            }
        }

        return (null, problem);
    }
}

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
    private SmimeKeyring(IReadOnlyList<Entry> certificates, IReadOnlyList<X509Crl> crls)
    {
        Certificates = certificates;
        Crls = crls;
    }

    public sealed record Entry(StoredCertificate Stored, X509Certificate Certificate, AsymmetricKeyParameter? PrivateKey);

    public IReadOnlyList<Entry> Certificates { get; }

    public IReadOnlyList<X509Crl> Crls { get; }

    public IEnumerable<Entry> OfKind(CertificateKind kind) => Certificates.Where(c => c.Stored.Kind == kind);

    public static async Task<SmimeKeyring> Load(CertificateStore store, string tenant)
    {
        var parser = new X509CertificateParser();
        var entries = (await store.List(tenant))
            .Select(c => new Entry(c, parser.ReadCertificate(c.Der), store.PrivateKey(c) is { } pkcs8 ? PrivateKeyFactory.CreateKey(pkcs8) : null))
            .ToList();
        var crlParser = new X509CrlParser();
        var crls = (await store.Crls(tenant)).Select(c => crlParser.ReadCrl(c.Der)).ToList();
        return new SmimeKeyring(entries, crls);
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
    public string? Revocation(X509Certificate certificate)
    {
        foreach (var crl in Crls.Where(c => c.IssuerDN.Equivalent(certificate.IssuerDN)))
        {
            var issuer = Certificates.FirstOrDefault(c => c.Certificate.SubjectDN.Equivalent(crl.IssuerDN) && VerifiedBy(crl, c.Certificate));
            if (issuer is not null && crl.GetRevokedCertificate(certificate.SerialNumber) is { } entry)
            {
                return $"certificate {certificate.SerialNumber.ToString(16)} was revoked by {crl.IssuerDN} on {entry.RevocationDate:yyyy-MM-dd}";
            }
        }

        return null;
    }

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

    private static bool VerifiedBy(X509Crl crl, X509Certificate issuer)
    {
        try
        {
            crl.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (GeneralSecurityException)
        {
            return false;
        }
    }
}

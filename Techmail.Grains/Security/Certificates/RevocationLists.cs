using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Techmail.Certificates;

/// <summary>
/// The CRLs a tenant imported, and the one way they are applied: a certificate is revoked when a CRL signed by its
/// issuer lists its serial number. Nothing is fetched: a CRL counts once an admin imports it.
/// </summary>
public sealed class RevocationLists(IReadOnlyList<X509Crl> crls)
{
    public static RevocationLists None { get; } = new([]);

    public IReadOnlyList<X509Crl> Crls { get; } = crls;

    /// <summary>The tenant's CRLs from their stored DER.</summary>
    public static RevocationLists Read(IEnumerable<byte[]> ders)
    {
        var parser = new X509CrlParser();
        return new([.. ders.Select(d => parser.ReadCrl(d))]);
    }

    /// <summary>Why <paramref name="certificate"/> is revoked by a CRL its <paramref name="issuer"/> signed, or null.</summary>
    public string? Revocation(X509Certificate certificate, X509Certificate issuer)
    {
        foreach (var crl in Crls.Where(c => c.IssuerDN.Equivalent(certificate.IssuerDN) && c.IssuerDN.Equivalent(issuer.SubjectDN)))
        {
            if (SignedBy(crl, issuer) && crl.GetRevokedCertificate(certificate.SerialNumber) is { } entry)
            {
                return $"certificate {certificate.SerialNumber.ToString(16)} was revoked by {crl.IssuerDN} on {entry.RevocationDate:yyyy-MM-dd}";
            }
        }

        return null;
    }

    /// <summary>
    /// Why some certificate of a built chain (leaf first, anchor last) is revoked, or null: every certificate is checked
    /// against its issuer's CRLs, intermediates as well as the leaf. The anchor has no issuer to revoke it; an admin
    /// who no longer trusts it removes it.
    /// </summary>
    public string? ChainRevocation(IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> chain)
    {
        if (Crls.Count == 0 || chain.Count < 2)
        {
            return null;
        }

        var parser = new X509CertificateParser();
        var parsed = chain.Select(c => parser.ReadCertificate(c.RawData)).ToList();
        for (var i = 0; i < parsed.Count - 1; i++)
        {
            if (Revocation(parsed[i], parsed[i + 1]) is { } revoked)
            {
                return i == 0 ? revoked : $"the chain's CA {parsed[i].SubjectDN}: {revoked}";
            }
        }

        return null;
    }

    private static bool SignedBy(X509Crl crl, X509Certificate issuer)
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

using System.Security.Cryptography.X509Certificates;
using MimeKit.Cryptography;
using Techmail.Incidents;

namespace Techmail.Certificates;

/// <summary>
/// Judges one S/MIME signature against a tenant's keyring. The checks run in a fixed order so a signature gets the
/// most telling status: the signature itself, then the chain to a stored CA, then revocation, then validity dates.
/// </summary>
public static class SignatureVerifier
{
    public sealed record Verdict(SmimeResult Result, byte[]? SignerDer);

    public static Verdict Judge(IDigitalSignature signature, SmimeKeyring keyring, string sender, DateTimeOffset now)
    {
        var signer = (signature.SignerCertificate as SecureMimeDigitalCertificate)?.Certificate;
        var der = signer?.GetEncoded();
        var thumbprint = der is null ? null : CertificateFile.Thumbprint(der);
        var addresses = signer is null ? [] : CertificateFile.Addresses(signer);
        var address = addresses.FirstOrDefault();
        SmimeResult Result(SignatureStatus status, string? reason) => new(false, status, address, thumbprint, reason);

        if (signer is null || der is null)
        {
            return new(Result(SignatureStatus.Invalid, "the signer's certificate is not in the signature"), null);
        }

        try
        {
            // Only the signature over the content, by the key alone: BouncyCastle's check with the certificate would
            // also refuse an expired one, and expiry is reported below with its date. The chain is judged against
            // the tenant's own CAs.
            if (signature is not SecureMimeDigitalSignature { SignerInfo: { } info } || !info.Verify(signer.GetPublicKey()))
            {
                return new(Result(SignatureStatus.Invalid, "the signature does not match the content"), der);
            }
        }
        catch (Exception e) when (e is Org.BouncyCastle.Cms.CmsException or Org.BouncyCastle.Security.GeneralSecurityException)
        {
            return new(Result(SignatureStatus.Invalid, $"the signature does not match the content ({e.Message})"), der);
        }

        if (!addresses.Contains(sender, StringComparer.OrdinalIgnoreCase))
        {
            // A valid signature by someone else does not vouch for this sender.
            return new(Result(SignatureStatus.Invalid, $"signed by a certificate for {string.Join(", ", addresses.DefaultIfEmpty("no address"))}, but the mail is from {sender}"), der);
        }

        if (ChainProblem(der, signature, keyring) is { } untrusted)
        {
            return new(Result(SignatureStatus.UntrustedChain, untrusted), der);
        }

        if (keyring.Revocation(signer) is { } revoked)
        {
            return new(Result(SignatureStatus.Revoked, revoked), der);
        }

        var notBefore = new DateTimeOffset(DateTime.SpecifyKind(signer.NotBefore, DateTimeKind.Utc));
        var notAfter = new DateTimeOffset(DateTime.SpecifyKind(signer.NotAfter, DateTimeKind.Utc));
        if (now > notAfter)
        {
            return new(Result(SignatureStatus.Expired, $"certificate {thumbprint} expired on {notAfter:yyyy-MM-dd}"), der);
        }

        if (now < notBefore)
        {
            return new(Result(SignatureStatus.Expired, $"certificate {thumbprint} is not valid before {notBefore:yyyy-MM-dd}"), der);
        }

        return new(Result(SignatureStatus.Valid, null), der);
    }

    /// <summary>Why the signer does not chain to one of the tenant's CA certificates (dates aside), or null when it does.</summary>
    private static string? ChainProblem(byte[] signerDer, IDigitalSignature signature, SmimeKeyring keyring)
    {
        var cas = keyring.OfKind(CertificateKind.Ca).ToList();
        if (cas.Count == 0)
        {
            return "no CA certificates are imported, so no chain can be trusted";
        }

        using var leaf = X509CertificateLoader.LoadCertificate(signerDer);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Expiry is reported on its own, with the date, after the chain.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        var owned = new List<X509Certificate2>();
        foreach (var ca in cas)
        {
            var certificate = X509CertificateLoader.LoadCertificate(ca.Stored.Der);
            owned.Add(certificate);
            (ca.Certificate.SubjectDN.Equivalent(ca.Certificate.IssuerDN) ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(certificate);
        }

        // Intermediates the sender put into the signature help build the path but are never anchors.
        if (signature is SecureMimeDigitalSignature { Chain.Certificates: { } embedded })
        {
            foreach (var c in embedded.Skip(1))
            {
                var certificate = X509CertificateLoader.LoadCertificate(c.GetEncoded());
                owned.Add(certificate);
                chain.ChainPolicy.ExtraStore.Add(certificate);
            }
        }

        try
        {
            if (chain.Build(leaf))
            {
                return null;
            }

            var statuses = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.StatusInformation.Trim()).Distinct();
            return $"{leaf.Issuer} is not a trusted CA ({string.Join("; ", statuses)})";
        }
        finally
        {
            foreach (var c in owned)
            {
                c.Dispose();
            }
        }
    }
}

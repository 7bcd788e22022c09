using System.Security.Cryptography.X509Certificates;
using MimeKit.Cryptography;
using Techmail.Incidents;

namespace Techmail.Certificates;

/// <summary>
/// Judges one S/MIME signature against a tenant's keyring. The checks run in a fixed order so a signature gets the
/// most telling status: the signature itself, then the chain to a stored S/MIME CA (and the signer's extendedKeyUsage),
/// then revocation of any certificate of that chain, then validity dates.
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

        var chain = Chain(der, signature, keyring);
        switch (chain.Outcome)
        {
            case TrustChain.Outcome.Untrusted:
            case TrustChain.Outcome.WrongUsage:
                return new(Result(SignatureStatus.UntrustedChain, chain.Reason), der);
            case TrustChain.Outcome.Revoked:
                return new(Result(SignatureStatus.Revoked, chain.Reason), der);
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

    /// <summary>
    /// The signer judged against the tenant's S/MIME CAs (never its server-TLS CAs) for signing mail, with the
    /// tenant's CRLs along the whole chain; dates are reported on their own, with the date, after the chain.
    /// </summary>
    private static TrustChain.Verdict Chain(byte[] signerDer, IDigitalSignature signature, SmimeKeyring keyring)
    {
        var cas = keyring.OfKind(CertificateKind.SmimeCa).ToList();
        if (cas.Count == 0)
        {
            return new(TrustChain.Outcome.Untrusted, "no S/MIME CA certificates are imported, so no chain can be trusted");
        }

        var owned = new List<X509Certificate2>();
        try
        {
            using var leaf = X509CertificateLoader.LoadCertificate(signerDer);
            var anchorsAndIntermediates = cas.Select(ca => Own(X509CertificateLoader.LoadCertificate(ca.Stored.Der))).ToList();

            // Certificates the sender put into the signature help build the path but are never anchors.
            var embedded = signature is SecureMimeDigitalSignature { Chain.Certificates: { } carried }
                ? carried.Skip(1).Select(c => Own(X509CertificateLoader.LoadCertificate(c.GetEncoded()))).ToList()
                : [];
            return TrustChain.Judge(leaf, anchorsAndIntermediates, embedded, TrustChain.EmailProtection, keyring.Revocations, ignoreTime: true);
        }
        finally
        {
            foreach (var c in owned)
            {
                c.Dispose();
            }
        }

        X509Certificate2 Own(X509Certificate2 certificate)
        {
            owned.Add(certificate);
            return certificate;
        }
    }
}

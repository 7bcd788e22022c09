using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Techmail.Certificates;

/// <summary>
/// Judges a certificate against CAs an admin chose to trust for one purpose (S/MIME signers, or mail servers), the one
/// way both are judged: only a self-signed CA is an anchor, any other CA given (or presented by the peer) only helps
/// build the path; the certificate must be meant for the purpose when it says what it is meant for (extendedKeyUsage);
/// and every certificate of the chain is checked against the imported CRLs, not just the leaf.
/// </summary>
public static class TrustChain
{
    public const string EmailProtection = Tls.Purposes.EmailProtection;
    public const string ServerAuthentication = Tls.Purposes.ServerAuthentication;

    public enum Outcome
    {
        Trusted,
        /// <summary>No path to a trusted anchor (or one broken otherwise).</summary>
        Untrusted,
        /// <summary>A path exists, but the certificate's extendedKeyUsage does not allow the purpose.</summary>
        WrongUsage,
        Revoked,
    }

    public sealed record Verdict(Outcome Outcome, string? Reason);

    /// <param name="cas">The CAs trusted for this purpose: self-signed ones anchor, the rest are intermediates.</param>
    /// <param name="helpers">Certificates the peer presented or the signature carried: intermediates, never anchors.</param>
    /// <param name="purpose">The extendedKeyUsage OID required when the certificate has the extension.</param>
    /// <param name="ignoreTime">Leave validity dates to the caller, which reports them with the date.</param>
    public static Verdict Judge(
        X509Certificate2 certificate,
        IEnumerable<X509Certificate2> cas,
        IEnumerable<X509Certificate2> helpers,
        string purpose,
        RevocationLists crls,
        bool ignoreTime)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        // The CRLs are the tenant's imports, applied below along the whole chain; nothing is fetched while mail waits.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(purpose));
        if (ignoreTime)
        {
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        }

        foreach (var ca in cas)
        {
            (IsSelfSigned(ca) ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(ca);
        }

        foreach (var helper in helpers)
        {
            chain.ChainPolicy.ExtraStore.Add(helper);
        }

        if (!chain.Build(certificate))
        {
            var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            if (flags == X509ChainStatusFlags.NotValidForUsage)
            {
                // The certificate itself, or a CA above it that limits what it may vouch for.
                var unfit = chain.ChainElements.FirstOrDefault(e => e.ChainElementStatus.Any(s => s.Status == X509ChainStatusFlags.NotValidForUsage))?.Certificate ?? certificate;
                return new(Outcome.WrongUsage, $"{unfit.Subject} is not meant for {Use(purpose)}: its extendedKeyUsage lacks {Name(purpose)}");
            }

            var statuses = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            return new(Outcome.Untrusted, $"{certificate.Issuer} is not a trusted CA ({string.Join("; ", statuses)})");
        }

        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        return crls.ChainRevocation(elements) is { } revoked ? new(Outcome.Revoked, revoked) : new(Outcome.Trusted, null);
    }

    /// <summary>Whether a CA certificate issued itself: its subject is its issuer and its own key verifies its signature.</summary>
    public static bool IsSelfSigned(X509Certificate2 certificate)
    {
        if (!certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
        {
            return false;
        }

        try
        {
            var parsed = new X509CertificateParser().ReadCertificate(certificate.RawData);
            parsed.Verify(parsed.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is GeneralSecurityException or InvalidKeyException or CryptographicException)
        {
            return false;
        }
    }

    private static string Use(string purpose) => purpose switch
    {
        EmailProtection => "signing mail",
        ServerAuthentication => "a mail server",
        _ => purpose,
    };

    private static string Name(string purpose) => purpose switch
    {
        EmailProtection => "emailProtection",
        ServerAuthentication => "serverAuth",
        _ => purpose,
    };
}

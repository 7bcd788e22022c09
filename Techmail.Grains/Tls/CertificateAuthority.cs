using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Techmail.Tls;

/// <summary>
/// Accepts a TLS peer only when its certificate chains to the configured CA, is within its validity dates and
/// (when the TLS stack asks for one) carries the right extended key usage. The operating system's trust store
/// plays no part: any public CA could issue a certificate to anyone, and being public is not being an admin.
/// </summary>
public sealed class CertificateAuthority(X509Certificate2Collection roots)
{
    public string Subjects => string.Join("; ", roots.Select(r => r.Subject));

    /// <summary>Null when the peer is accepted, otherwise why not, in words for a log line or the CLI.</summary>
    public string? Check(X509Certificate2 certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);

        // A private CA publishes no revocation list; an online check would only fail. See docs/decisions.md.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // SslStream put the usage it expects of this side (clientAuth or serverAuth) in its own policy.
            foreach (var purpose in presented.ChainPolicy.ApplicationPolicy)
            {
                chain.ChainPolicy.ApplicationPolicy.Add(purpose);
            }

            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(certificate))
        {
            return null;
        }

        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        var who = certificate.Subject;
        if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain))
        {
            return $"{who} (issued by {certificate.Issuer}) is not issued by the trusted CA {Subjects}";
        }

        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            return certificate.NotAfter < DateTime.Now
                ? $"{who} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"
                : $"{who} is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
        }

        if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage))
        {
            return $"{who} is not meant for this use (extendedKeyUsage)";
        }

        return $"{who}: {string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct())}";
    }

    /// <summary>
    /// The check as Orleans' TLS layer calls it (only with a certificate in hand). The host name is not checked:
    /// silos and gateways are reached by IP address from the membership table, and what makes a peer a member
    /// is that the cluster's own CA issued its certificate.
    /// </summary>
    public RemoteCertificateValidator Validator(Action<string> rejected) => (certificate, chain, _) =>
    {
        var reason = Check(certificate, chain);
        if (reason is not null)
        {
            rejected(reason);
        }

        return reason is null;
    };
}

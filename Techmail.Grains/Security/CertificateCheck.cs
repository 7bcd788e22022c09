using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Techmail.Certificates;
using Techmail.Mailboxes;

namespace Techmail.Security;

/// <summary>
/// Validates a mail server's certificate: the system trust store, plus the mailbox's own CA, the tenant's server-TLS CAs
/// (never its S/MIME CAs) or a pinned certificate; the tenant's CRLs apply along the whole chain. Remembers why it
/// refused, so the status can say "expired" rather than "handshake failed".
/// </summary>
public sealed class CertificateCheck(ServerTrust? trust)
{
    public string? Problem { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Problem = "the server presented no certificate";
            return false;
        }

        using var server = new X509Certificate2(certificate);
        if (trust?.PinnedSha256 is { Length: > 0 } pin)
        {
            var actual = Convert.ToHexString(SHA256.HashData(server.RawData));
            if (string.Equals(actual, pin.Replace(":", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
            {
                // The admin named this exact certificate: nothing else to prove.
                return NotExpired(server);
            }

            Problem = $"certificate SHA-256 {actual} does not match the pinned {pin}";
            return false;
        }

        if (errors == SslPolicyErrors.None)
        {
            // The system store vouched for the server (and SslStream required serverAuth); the tenant's CRLs still
            // apply to every certificate of that chain.
            if (chain is not null && Crls.ChainRevocation([.. chain.ChainElements.Select(e => e.Certificate)]) is { } revoked)
            {
                Problem = $"revoked: {revoked}";
                return false;
            }

            return true;
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            Problem = $"certificate name mismatch: '{server.GetNameInfo(X509NameType.DnsName, false)}' does not match the host";
            return false;
        }

        if (!NotExpired(server))
        {
            return false;
        }

        if (errors == SslPolicyErrors.RemoteCertificateChainErrors && trust?.CaCertificatePem is { Length: > 0 } pem)
        {
            var verdict = Judge(server, chain, pem);
            if (verdict.Outcome == TrustChain.Outcome.Trusted)
            {
                return true;
            }

            Problem = verdict.Outcome switch
            {
                TrustChain.Outcome.Revoked => $"revoked: {verdict.Reason}",
                TrustChain.Outcome.WrongUsage => verdict.Reason,
                _ => $"untrusted certificate issued by '{server.Issuer}' ({verdict.Reason})",
            };
            return false;
        }

        Problem = $"untrusted certificate issued by '{server.Issuer}' ({Describe(chain)})";
        return false;
    }

    private bool NotExpired(X509Certificate2 server)
    {
        var now = DateTime.Now;
        if (now > server.NotAfter)
        {
            Problem = $"certificate expired on {server.NotAfter.ToUniversalTime():u}";
            return false;
        }

        if (now < server.NotBefore)
        {
            Problem = $"certificate not valid before {server.NotBefore.ToUniversalTime():u}";
            return false;
        }

        return true;
    }

    private RevocationLists Crls => trust?.TenantCrls is { Count: > 0 } crls ? RevocationLists.Read(crls) : RevocationLists.None;

    /// <param name="caPem">
    /// One or more PEM CA certificates (the mailbox's own and the tenant's server CAs): the self-signed ones may anchor
    /// the chain, the others only help build it, as do the certificates the server presented.
    /// </param>
    private TrustChain.Verdict Judge(X509Certificate2 server, X509Chain? presented, string caPem)
    {
        var cas = new X509Certificate2Collection();
        cas.ImportFromPem(caPem);
        var helpers = presented?.ChainElements.Select(e => e.Certificate).ToList() ?? [];
        try
        {
            return TrustChain.Judge(server, cas, helpers, TrustChain.ServerAuthentication, Crls, ignoreTime: false);
        }
        finally
        {
            foreach (var ca in cas)
            {
                ca.Dispose();
            }
        }
    }

    private static string Describe(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "chain not trusted"
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Techmail.Mailboxes;

namespace Techmail.Security;

/// <summary>
/// Validates a mail server's certificate: the system trust store, plus the mailbox's own CA or pinned
/// certificate. Remembers why it refused, so the status can say "expired" rather than "handshake failed".
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

        if (errors == SslPolicyErrors.RemoteCertificateChainErrors && trust?.CaCertificatePem is { Length: > 0 } pem && ChainsTo(server, chain, pem))
        {
            return true;
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

    /// <param name="caPem">One or more PEM CA certificates (the mailbox's own and the tenant's), any of which may anchor the chain.</param>
    private static bool ChainsTo(X509Certificate2 server, X509Chain? presented, string caPem)
    {
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPem(caPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        // Private CAs rarely publish revocation lists reachable from here; revocation is the S/MIME issue's.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(server);
    }

    private static string Describe(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "chain not trusted"
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Techmail.Tests.Certificates;

/// <summary>
/// A two-level PKI made fresh for the test run, as a real one is: a self-signed root, an intermediate it issued, and
/// end-entity certificates from the intermediate, each meant for one use or none (extendedKeyUsage); plus a CRL of the
/// root that revokes the intermediate.
/// </summary>
public sealed class TrustPki
{
    public const string SignerAddress = "ann@customer.example";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string EmailProtection = "1.3.6.1.5.5.7.3.4";

    private static readonly Lazy<TrustPki> Shared = new(() => new TrustPki());
    private int _serial = 1;

    private TrustPki()
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = RSA.Create(2048);
        Root = Ca("CN=Trust Test Root", rootKey, null, now).CopyWithPrivateKey(rootKey);
        using var intermediateKey = RSA.Create(2048);
        Intermediate = Ca("CN=Trust Test Intermediate", intermediateKey, Root, now).CopyWithPrivateKey(intermediateKey);

        Server = Leaf("CN=localhost", [ServerAuth], server: true, now);
        ClientOnly = Leaf("CN=localhost", [ClientAuth], server: true, now);
        ServerWithoutUsage = Leaf("CN=localhost", null, server: true, now);
        Signer = Leaf($"CN=Ann, E={SignerAddress}", [EmailProtection], server: false, now);
        SignerForServers = Leaf($"CN=Ann, E={SignerAddress}", [ServerAuth], server: false, now);

        var crl = new CertificateRevocationListBuilder();
        crl.AddEntry(Intermediate, now.AddHours(-1), X509RevocationReason.KeyCompromise);
        RootCrlRevokingIntermediate = crl.Build(Root, 1, now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddHours(-1));
    }

    public static TrustPki Instance => Shared.Value;

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    /// <summary>For localhost and 127.0.0.1, serverAuth only.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>For localhost, but clientAuth only: not a server's certificate.</summary>
    public X509Certificate2 ClientOnly { get; }

    /// <summary>For localhost, with no extendedKeyUsage at all: good for any use.</summary>
    public X509Certificate2 ServerWithoutUsage { get; }

    /// <summary>An S/MIME signer's certificate (emailProtection).</summary>
    public X509Certificate2 Signer { get; }

    /// <summary>For the signer's address, but serverAuth only: not for signing mail.</summary>
    public X509Certificate2 SignerForServers { get; }

    public byte[] RootCrlRevokingIntermediate { get; }

    public static string Pem(params X509Certificate2[] certificates) => string.Join("\n", certificates.Select(c => c.ExportCertificatePem()));

    private static X509Certificate2 Ca(string name, RSA key, X509Certificate2? issuer, DateTimeOffset now)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            using var self = request.CreateSelfSigned(now.AddDays(-2), now.AddYears(2));
            return X509CertificateLoader.LoadCertificate(self.RawData);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var issued = request.Create(issuer, now.AddDays(-1), now.AddYears(1), [0x10, 0x01]);
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    private X509Certificate2 Leaf(string name, string[]? usages, bool server, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        if (server)
        {
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
        }
        else
        {
            san.AddEmailAddress(SignerAddress);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        if (usages is not null)
        {
            var oids = new OidCollection();
            foreach (var usage in usages)
            {
                oids.Add(new Oid(usage));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }

        using var issued = request.Create(Intermediate, now.AddDays(-1), now.AddMonths(6), [0x20, (byte)_serial++]);
        return issued.CopyWithPrivateKey(key);
    }
}

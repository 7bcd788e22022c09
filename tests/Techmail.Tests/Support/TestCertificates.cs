using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Techmail.Tls;

namespace Techmail.Tests.Support;

/// <summary>
/// A cluster CA with a silo and an admin certificate, plus the two an intruder might try: one from another CA
/// and an expired one from the right CA. Written as PEM files, as openssl would make them.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string Ca => Path("ca.pem");

    public string SiloCertificate => Path("silo.pem");

    public string SiloKey => Path("silo.key");

    /// <summary>Certificate and key in one file, the client's default when no --tls-key is given.</summary>
    public string Admin => Path("admin.pem");

    public string Rogue => Path("rogue.pem");

    public string Expired => Path("expired.pem");

    /// <summary>A silo certificate the cluster's CA did not issue.</summary>
    public string RogueSilo => Path("rogue-silo.pem");

    public string RogueCa => Path("rogue-ca.pem");

    /// <summary>The silo switches that turn TLS on with these files.</summary>
    public string[] SiloArgs =>
    [
        $"--Techmail:TlsCertificate={SiloCertificate}", $"--Techmail:TlsKey={SiloKey}", $"--Techmail:TlsClientCa={Ca}",
    ];

    /// <summary>The client switches for a certificate of <paramref name="certificate"/>'s file, trusting the cluster's CA.</summary>
    public string[] ClientArgs(string certificate) => ["--tls-certificate", certificate, "--tls-ca", Ca];

    public static TestCertificates Create(string directory)
    {
        var files = new TestCertificates(directory);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Authority("CN=Techmail Test CA", caKey, now);
        using var rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rogueCa = Authority("CN=Rogue CA", rogueKey, now);
        File.WriteAllText(files.Ca, ca.ExportCertificatePem());
        File.WriteAllText(files.RogueCa, rogueCa.ExportCertificatePem());

        Issue(ca, "CN=techmail-silo", now.AddDays(-1), now.AddDays(30), [Purposes.ServerAuthentication, Purposes.ClientAuthentication], files.SiloCertificate, files.SiloKey);
        Issue(ca, "CN=admin", now.AddDays(-1), now.AddDays(30), [Purposes.ClientAuthentication], files.Admin, files.Admin);
        Issue(ca, "CN=former admin", now.AddDays(-20), now.AddDays(-10), [Purposes.ClientAuthentication], files.Expired, files.Expired);
        Issue(rogueCa, "CN=mallory", now.AddDays(-1), now.AddDays(30), [Purposes.ClientAuthentication], files.Rogue, files.Rogue);
        Issue(rogueCa, "CN=rogue-silo", now.AddDays(-1), now.AddDays(30), [Purposes.ServerAuthentication, Purposes.ClientAuthentication], files.RogueSilo, files.RogueSilo);
        return files;
    }

    private string Path(string name) => System.IO.Path.Combine(Directory, name);

    private static X509Certificate2 Authority(string subject, ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now.AddDays(-30), now.AddYears(1));
    }

    private static void Issue(X509Certificate2 issuer, string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, string[] purposes, string certificateFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var usages = new OidCollection();
        foreach (var purpose in purposes)
        {
            usages.Add(new Oid(purpose));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var certificate = request.Create(issuer, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        var pem = certificate.ExportCertificatePem() + "\n";
        if (certificateFile == keyFile)
        {
            File.WriteAllText(certificateFile, pem + key.ExportPkcs8PrivateKeyPem() + "\n");
        }
        else
        {
            File.WriteAllText(certificateFile, pem);
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Techmail.Tests.Certificates;

/// <summary>
/// A small PKI made fresh for the test run: a CA, the mailbox's certificate, a customer's, an expired one, a revoked
/// one (with the CA's CRL revoking it) and a stranger's self-signed one that nothing trusts.
/// </summary>
public sealed class TestPki
{
    public const string Password = "pkcs12-pass";
    public const string MailboxAddress = "support@example.com";
    public const string CustomerAddress = "ann@customer.example";
    public const string ExpiredAddress = "old@customer.example";
    public const string RevokedAddress = "lost@customer.example";
    public const string StrangerAddress = "eve@stranger.example";

    private static readonly Lazy<TestPki> Shared = new(() => new TestPki());

    private TestPki()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Techmail Test CA, O=Techmail Tests", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        Ca = caRequest.CreateSelfSigned(now.AddYears(-1), now.AddYears(5));

        Mailbox = Issue("Example Support", MailboxAddress, now.AddDays(-10), now.AddYears(1), 1);
        Customer = Issue("Ann Example", CustomerAddress, now.AddDays(-10), now.AddYears(1), 2);
        Expired = Issue("Old Customer", ExpiredAddress, now.AddDays(-60), now.AddDays(-1), 3);
        Revoked = Issue("Lost Key", RevokedAddress, now.AddDays(-10), now.AddYears(1), 4);
        SoonExpiring = Issue("Example Support", MailboxAddress, now.AddDays(-300), now.AddDays(12), 5);

        using var strangerKey = RSA.Create(2048);
        Stranger = EndEntity(strangerKey, "Eve", StrangerAddress).CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        var crl = new CertificateRevocationListBuilder();
        crl.AddEntry(Revoked, now.AddHours(-1), X509RevocationReason.KeyCompromise);
        Crl = crl.Build(Ca, 1, now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddHours(-1));
    }

    public static TestPki Instance => Shared.Value;

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Mailbox { get; }

    public X509Certificate2 Customer { get; }

    public X509Certificate2 Expired { get; }

    public X509Certificate2 Revoked { get; }

    /// <summary>A second mailbox certificate for the same address that runs out in 12 days.</summary>
    public X509Certificate2 SoonExpiring { get; }

    public X509Certificate2 Stranger { get; }

    public byte[] Crl { get; }

    public static byte[] Pkcs12(X509Certificate2 certificate) => certificate.Export(X509ContentType.Pkcs12, Password);

    public static byte[] Pem(X509Certificate2 certificate) => System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem());

    public X509Certificate2 Issue(string name, string address, DateTimeOffset notBefore, DateTimeOffset notAfter, int serial)
    {
        using var key = RSA.Create(2048);
        using var issued = EndEntity(key, name, address).Create(Ca, notBefore, notAfter, [(byte)serial, 0x42]);
        return issued.CopyWithPrivateKey(key);
    }

    private static CertificateRequest EndEntity(RSA key, string name, string address)
    {
        var request = new CertificateRequest($"CN={name}, E={address}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        return request;
    }
}

using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Techmail.Certificates;
using Techmail.Security;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Certificates;

public sealed class SqliteCertificateStoreTests : CertificateStoreTests, IDisposable
{
    private readonly ScratchDatabases _databases = new();

    protected override Task<TechmailDatabase> Database() => _databases.Sqlite();

    public void Dispose() => _databases.Dispose();
}

public sealed class PostgresCertificateStoreTests : CertificateStoreTests
{
    protected override Task<TechmailDatabase> Database() => ScratchDatabases.Postgres();
}

/// <summary>Imports of every kind through the same parsing and store the certificate grain uses, on both databases.</summary>
public abstract class CertificateStoreTests
{
    private const string Tenant = "t1";
    private static readonly TestPki Pki = TestPki.Instance;
    private readonly DataProtectionSecretProtector _protector = new(new EphemeralDataProtectionProvider());

    protected abstract Task<TechmailDatabase> Database();

    [Fact]
    public async Task A_pkcs12_import_keeps_the_key_sealed_and_gives_it_back()
    {
        var store = new CertificateStore(await Database(), _protector);
        var parsed = CertificateFile.Read(TestPki.Pkcs12(Pki.Mailbox), TestPki.Password, null, store.Seal, DateTimeOffset.UtcNow);
        var mailbox = Assert.Single(parsed.Certificates);
        await store.Import(Tenant, mailbox);

        var stored = await store.Get(Tenant, Pki.Mailbox.Thumbprint);
        Assert.NotNull(stored);
        Assert.Equal(CertificateKind.Mailbox, stored.Kind);
        Assert.Equal([TestPki.MailboxAddress], stored.Addresses);
        Assert.Equal(Pki.Mailbox.RawData, stored.Der);
        Assert.Equal(Pki.Mailbox.NotAfter.ToUniversalTime(), stored.NotAfter.UtcDateTime, TimeSpan.FromSeconds(1));
        Assert.Contains("Techmail Test CA", stored.Issuer);
        // Sealed at rest: the stored text is not the key, yet unsealing gives the very key of the certificate.
        var pkcs8 = store.PrivateKey(stored)!;
        Assert.DoesNotContain(Convert.ToBase64String(pkcs8)[..40], stored.SealedKey);
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        Assert.Equal(Pki.Mailbox.GetRSAPublicKey()!.ExportParameters(false).Modulus, rsa.ExportParameters(false).Modulus);
    }

    [Fact]
    public async Task Certificates_crls_and_refusals()
    {
        var store = new CertificateStore(await Database(), _protector);
        var now = DateTimeOffset.UtcNow;
        CertificateFile.Parsed Read(byte[] content, string? password = null, CertificateKind? kind = null) => CertificateFile.Read(content, password, kind, store.Seal, now);

        // What a CA is trusted for is never guessed: S/MIME signers or mail servers, the admin says which.
        Assert.Contains("is a CA certificate: say what it is trusted for, --kind smime-ca", Assert.Throws<CertificateException>(() => Read(TestPki.Pem(Pki.Ca))).Message);
        var ca = Assert.Single(Read(TestPki.Pem(Pki.Ca), null, CertificateKind.SmimeCa).Certificates);
        Assert.Equal(CertificateKind.SmimeCa, ca.Kind);
        var serverCa = Assert.Single(Read(TestPki.Pem(Pki.Ca), null, CertificateKind.ServerCa).Certificates);
        Assert.Equal(CertificateKind.ServerCa, serverCa.Kind);
        var customer = Assert.Single(Read(Pki.Customer.RawData).Certificates);
        Assert.Equal(CertificateKind.Customer, customer.Kind);
        Assert.Null(customer.SealedKey);
        var crl = Read(Pki.Crl).Crl;
        Assert.NotNull(crl);
        Assert.Equal(1, crl.Revoked);
        await store.Import(Tenant, ca);
        await store.Import(Tenant, customer);
        await store.SaveCrl(Tenant, crl, now);

        Assert.Equal([CertificateKind.SmimeCa, CertificateKind.Customer], (await store.List(Tenant)).Select(c => c.Kind).Order());
        Assert.Empty(await store.List("other-tenant"));
        Assert.Equal(crl.Thumbprint, Assert.Single(await store.Crls(Tenant)).Thumbprint);

        Assert.Equal("wrong password, or a damaged PKCS#12 file.", Assert.Throws<CertificateException>(() => Read(TestPki.Pkcs12(Pki.Mailbox), "nope")).Message);
        Assert.Equal("a mailbox certificate needs its private key: import the PKCS#12 file with its password.",
            Assert.Throws<CertificateException>(() => Read(Pki.Customer.RawData, null, CertificateKind.Mailbox)).Message);
        Assert.Contains("is not a CA certificate", Assert.Throws<CertificateException>(() => Read(Pki.Customer.RawData, null, CertificateKind.ServerCa)).Message);
        Assert.Equal("not a certificate, PKCS#12 file or CRL.", Assert.Throws<CertificateException>(() => Read([0x30, 0x03, 0x02, 0x01, 0x01])).Message);

        // A harvest never overrides what an admin imported.
        await store.Harvest(Tenant, CertificateFile.Harvested(Pki.Customer.RawData, now));
        Assert.Equal(CertificateSource.Import, (await store.Get(Tenant, customer.Thumbprint))!.Source);
        await store.Harvest(Tenant, CertificateFile.Harvested(Pki.Expired.RawData, now));
        Assert.Equal(CertificateSource.Harvested, (await store.Get(Tenant, Pki.Expired.Thumbprint))!.Source);

        Assert.True(await store.Remove(Tenant, customer.Thumbprint));
        Assert.True(await store.Remove(Tenant, crl.Thumbprint));
        Assert.False(await store.Remove(Tenant, customer.Thumbprint));
        Assert.Empty(await store.Crls(Tenant));
    }
}

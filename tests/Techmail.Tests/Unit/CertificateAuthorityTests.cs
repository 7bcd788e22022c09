using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Techmail.Tests.Support;
using Techmail.Tls;

namespace Techmail.Tests.Unit;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly TempDirectory _directory = new("techmail-tls");
    private readonly TestCertificates _files;
    private readonly CertificateAuthority _authority;

    public CertificateAuthorityTests()
    {
        _files = TestCertificates.Create(_directory.Path);
        _authority = new CertificateAuthority(PemFiles.LoadAuthorities(_files.Ca));
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_certificate_the_ca_issued_is_accepted() =>
        Assert.Null(_authority.Check(Load(_files.Admin), Expecting(Purposes.ClientAuthentication)));

    [Fact]
    public void Another_cas_certificate_and_an_expired_one_are_refused_with_the_reason()
    {
        Assert.Contains("is not issued by the trusted CA CN=Techmail Test CA", _authority.Check(Load(_files.Rogue), null));
        Assert.Contains("CN=former admin expired on", _authority.Check(Load(_files.Expired), null));
    }

    [Fact]
    public void The_usage_the_tls_stack_expects_is_enforced() =>
        // An admin's certificate (clientAuth only) must not pass for a silo the client connects to.
        Assert.Contains("not meant for this use", _authority.Check(Load(_files.Admin), Expecting(Purposes.ServerAuthentication)));

    private static X509Certificate2 Load(string file) => X509CertificateLoader.LoadCertificate(File.ReadAllBytes(file));

    /// <summary>A chain as SslStream hands it over: its policy names the usage expected of the peer.</summary>
    private static X509Chain Expecting(string purpose)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(purpose));
        return chain;
    }
}

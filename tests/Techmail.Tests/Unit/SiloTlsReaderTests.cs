using Microsoft.Extensions.Configuration;
using Techmail.Hosting;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class SiloTlsReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new("techmail-tls");
    private readonly TestCertificates _certificates;

    public SiloTlsReaderTests() => _certificates = TestCertificates.Create(_directory.Path);

    public void Dispose() => _directory.Dispose();

    private static (TechmailOptions Options, IReadOnlyList<string> Errors) Read(params (string Key, string Value)[] values) =>
        TechmailOptionsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void Tls_is_off_by_default()
    {
        var (options, errors) = Read();
        Assert.Empty(errors);
        Assert.Null(options.Tls);
    }

    [Fact]
    public void A_certificate_key_and_ca_turn_it_on_with_client_certificates_required()
    {
        var (options, errors) = Read(
            ("Techmail:TlsCertificate", _certificates.SiloCertificate),
            ("techmail:tlskey", _certificates.SiloKey),
            ("Techmail:TlsClientCa", _certificates.Ca));
        Assert.Empty(errors);
        Assert.Equal("CN=techmail-silo", options.Tls!.Certificate.Subject);
        Assert.True(options.Tls.Certificate.HasPrivateKey);
        Assert.True(options.Tls.RequireClientCertificate);
    }

    [Theory]
    [InlineData("Techmail:TlsClientCa", "CA only")]
    [InlineData("Techmail:TlsClientCa", "no CA")]
    [InlineData("Techmail:TlsCertificate", "missing file")]
    [InlineData("Techmail:TlsCertificate", "from another CA")]
    [InlineData("Techmail:TlsCertificate", "client-only certificate")]
    [InlineData("Techmail:TlsCertificate", "expired")]
    [InlineData("Techmail:TlsRequireClientCertificate", "not a flag")]
    public void A_bad_tls_setting_names_its_key(string key, string problem)
    {
        (string, string)[] values = problem switch
        {
            "CA only" => [("Techmail:TlsClientCa", _certificates.Ca)],
            "no CA" => [("Techmail:TlsCertificate", _certificates.SiloCertificate), ("Techmail:TlsKey", _certificates.SiloKey)],
            "missing file" => Silo(_directory.File("nowhere.pem")),
            "from another CA" => Silo(_certificates.RogueSilo),
            "client-only certificate" => Silo(_certificates.Admin),
            "expired" => Silo(_certificates.Expired),
            _ => [.. Silo(_certificates.SiloCertificate, _certificates.SiloKey), ("Techmail:TlsRequireClientCertificate", "maybe")],
        };

        var errors = Read(values).Errors;
        Assert.Contains(errors, e => e.StartsWith(key + ":", StringComparison.Ordinal));
    }

    private (string, string)[] Silo(string certificate, string? key = null) =>
        key is null
            ? [("Techmail:TlsCertificate", certificate), ("Techmail:TlsClientCa", _certificates.Ca)]
            : [("Techmail:TlsCertificate", certificate), ("Techmail:TlsKey", key), ("Techmail:TlsClientCa", _certificates.Ca)];
}

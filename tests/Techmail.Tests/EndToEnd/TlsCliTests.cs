using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>A silo with TLS on, started as a user would, and the CLI with the right, a missing and wrong certificates.</summary>
public sealed class TlsSiloFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("techmail-tls-silo");
    private readonly TempDirectory _files = new("techmail-tls");

    public TestCertificates Certificates { get; private set; } = null!;

    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Certificates = TestCertificates.Create(_files.Path);
        Silo = await SiloProcess.Start(_data.Path, extraArgs: Certificates.SiloArgs);
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        _data.Dispose();
        _files.Dispose();
    }
}

public sealed class TlsCliTests(TlsSiloFixture fixture) : IClassFixture<TlsSiloFixture>
{
    private readonly Cli _cli = new(fixture.Silo.Gateway, "tls" + Guid.NewGuid().ToString("N")[..10]);

    private TestCertificates Certificates => fixture.Certificates;

    [Fact]
    public async Task The_admin_certificate_manages_mailboxes()
    {
        await _cli.Ok(["mailbox", "add", "support", "--type", "service", .. Certificates.ClientArgs(Certificates.Admin)]);
        var listed = JsonDocument.Parse(await _cli.Ok(["mailbox", "list", "--json", .. Certificates.ClientArgs(Certificates.Admin)])).RootElement;
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Without_a_certificate_the_silo_refuses()
    {
        var result = await _cli.Run("mailbox", "list", "--tls-ca", Certificates.Ca);
        AssertRefused(result, "no client certificate");
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused()
    {
        var result = await _cli.Run(["mailbox", "list", .. Certificates.ClientArgs(Certificates.Rogue)]);
        AssertRefused(result, "CN=mallory");
        Assert.Contains("CN=mallory (issued by CN=Rogue CA) is not issued by the trusted CA", fixture.Silo.Output);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused()
    {
        var result = await _cli.Run(["mailbox", "list", .. Certificates.ClientArgs(Certificates.Expired)]);
        AssertRefused(result, "CN=former admin");
        Assert.Contains("CN=former admin expired on", fixture.Silo.Output);
    }

    [Fact]
    public async Task A_plain_client_cannot_talk_to_the_tls_gateway()
    {
        var result = await _cli.Run("mailbox", "list");
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("techmail: cannot reach the silo at", result.Stderr.Trim());
        Assert.Contains("--tls-ca", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task The_client_refuses_a_silo_its_ca_did_not_issue()
    {
        // The admin trusts only the rogue silo's issuer, so the real silo looks like an impostor.
        var result = await _cli.Run("mailbox", "list", "--tls-certificate", Certificates.Admin, "--tls-ca", Certificates.RogueSilo);
        Assert.Equal(5, result.ExitCode);
        Assert.Contains("refused the certificate of the silo at", result.Stderr);
        Assert.Contains("CN=techmail-silo", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    private static void AssertRefused(ProcessResult result, string presented)
    {
        Assert.Equal(5, result.ExitCode);
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith("techmail: the silo at 127.0.0.1:", line);
        Assert.Contains("refused this client's TLS connection", line);
        Assert.Contains(presented, line);
        Assert.Empty(result.Stdout);
    }
}

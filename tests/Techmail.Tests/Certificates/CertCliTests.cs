using System.Text.Json;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Certificates;

public sealed class SqliteCertCliTests(SiloProcessFixture fixture) : CertCliTests(fixture), IClassFixture<SiloProcessFixture>;

public sealed class PostgresCertCliTests(PostgresSiloProcessFixture fixture) : CertCliTests(fixture), IClassFixture<PostgresSiloProcessFixture>;

/// <summary><c>techmail cert</c> and the mailbox's certificate warning, with the real client against a real silo process.</summary>
public abstract class CertCliTests(SiloProcessFixture fixture)
{
    private static readonly TestPki Pki = TestPki.Instance;

    [Fact]
    public async Task Import_list_show_and_remove_with_the_mailbox_that_uses_a_certificate_named()
    {
        using var files = new TempDirectory("techmail-certs");
        File.WriteAllBytes(files.File("ca.pem"), TestPki.Pem(Pki.Ca));
        File.WriteAllBytes(files.File("support.p12"), TestPki.Pkcs12(Pki.Mailbox));
        File.WriteAllBytes(files.File("ca.crl"), Pki.Crl);
        var cli = fixture.Cli("cert" + Guid.NewGuid().ToString("N")[..10]);

        Assert.Contains($"imported smime-ca certificate {Pki.Ca.Thumbprint}", await cli.Ok("cert", "import", files.File("ca.pem"), "--kind", "smime-ca"));
        var wrong = await cli.RunWithInput("not-it\n", "cert", "import", files.File("support.p12"), "--password-stdin");
        Assert.Equal((1, "techmail: wrong password, or a damaged PKCS#12 file."), (wrong.ExitCode, wrong.Stderr.Trim()));
        var imported = await cli.RunWithInput(TestPki.Password + "\n", "cert", "import", files.File("support.p12"), "--password-stdin");
        Assert.Contains($"imported mailbox certificate {Pki.Mailbox.Thumbprint}", imported.Stdout);
        Assert.Contains("imported CRL", await cli.Ok("cert", "import", files.File("ca.crl"), "--kind", "crl"));

        await cli.Ok(
            "mailbox", "add", "support", "--type", "service", "--envelope-from", "bounces@example.com", "--friendly-from", "support@example.com",
            "--smtp-host", "smtp.example.com", "--smime-sign", "true", "--smime-encrypt", "when-known", "--smime-require-signature", "true");
        Assert.Contains("sign yes, encrypt whenknown, valid signature required (unsigned accepted)", await cli.Ok("mailbox", "show", "support"));

        var listing = JsonDocument.Parse(await cli.Ok("cert", "list", "--json")).RootElement;
        var mailbox = listing.GetProperty("certificates").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == "Mailbox");
        Assert.Equal(Pki.Mailbox.Thumbprint, mailbox.GetProperty("thumbprint").GetString());
        Assert.Equal(["support"], mailbox.GetProperty("usedBy").EnumerateArray().Select(e => e.GetString()));
        Assert.True(mailbox.GetProperty("hasPrivateKey").GetBoolean());
        Assert.Equal(1, listing.GetProperty("crls").GetArrayLength());
        var table = await cli.Ok("cert", "list");
        Assert.Contains("Techmail Test CA", table);
        Assert.Contains("2 certificate(s), 1 CRL(s).", table);
        Assert.Contains("yes (sealed)", await cli.Ok("cert", "show", Pki.Mailbox.Thumbprint.ToLowerInvariant()));

        var inUse = await cli.Run("cert", "remove", Pki.Mailbox.Thumbprint);
        Assert.Equal(1, inUse.ExitCode);
        Assert.Contains($"certificate {Pki.Mailbox.Thumbprint} is used by mailbox support", inUse.Stderr);
        Assert.DoesNotContain("warning", await cli.Ok("mailbox", "status", "support"));
        await cli.Ok("cert", "remove", Pki.Ca.Thumbprint);
        var missing = await cli.Run("cert", "show", Pki.Ca.Thumbprint);
        Assert.Equal(1, missing.ExitCode);
    }

    [Fact]
    public async Task Mailbox_status_warns_30_days_before_the_certificate_expires()
    {
        using var files = new TempDirectory("techmail-certs");
        File.WriteAllBytes(files.File("soon.p12"), TestPki.Pkcs12(Pki.SoonExpiring));
        var cli = fixture.Cli("cert" + Guid.NewGuid().ToString("N")[..10]);
        await cli.Ok(
            "mailbox", "add", "support", "--type", "service", "--envelope-from", "support@example.com",
            "--smtp-host", "smtp.example.com", "--smime-sign", "true");
        Assert.Contains("warning: no mailbox certificate with a private key for support@example.com", await cli.Ok("mailbox", "status", "support"));

        await cli.RunWithInput(TestPki.Password + "\n", "cert", "import", files.File("soon.p12"), "--password-stdin");
        var status = JsonDocument.Parse(await cli.Ok("mailbox", "status", "support", "--json")).RootElement;
        Assert.Equal(
            $"certificate {Pki.SoonExpiring.Thumbprint} for support@example.com expires on {Pki.SoonExpiring.NotAfter.ToUniversalTime():yyyy-MM-dd} (in 12 days)",
            status.GetProperty("certificateWarning").GetString());
    }
}

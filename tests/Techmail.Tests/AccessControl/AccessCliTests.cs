using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.AccessControl;

/// <summary>Tokens, refusals and the gateway's door through the real client and real silo processes.</summary>
public sealed class AccessCliTests
{
    [Fact]
    public async Task Tokens_are_created_once_listed_without_secret_and_a_refusal_exits_6_with_one_line()
    {
        using var data = new TempDirectory("techmail-access-silo");
        using var work = new TempDirectory("techmail-access-cwd");
        await using var silo = await SiloProcess.Start(data.Path);
        var cli = new Cli(silo.Gateway, "t1");

        // The operator token: written at the first start, owner-only.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(silo.OperatorTokenFile));
        }

        var operatorToken = (await File.ReadAllTextAsync(silo.OperatorTokenFile)).Trim();

        await cli.Ok("mailbox", "add", "support", "--type", "service", "--host", "pop.example.com", "--account", "support", "--password", "pop-secret");
        var agent = JsonDocument.Parse(await cli.Ok("token", "create", "--role", "agent", "--name", "alice", "--expires", "90d", "--json")).RootElement;
        var agentToken = agent.GetProperty("token").GetString()!;
        Assert.StartsWith("tm1_", agentToken);
        Assert.Equal("agent", agent.GetProperty("info").GetProperty("role").GetString());
        var admin = (await cli.Ok("token", "create", "--role", "admin", "--name", "ada")).Trim();

        var list = await cli.Ok("token", "list", "--json");
        Assert.Contains("alice", list);
        Assert.DoesNotContain(agentToken, list);
        Assert.DoesNotContain(admin, list);

        // The silo's own token is listed with the operators', never in clear.
        var operators = JsonDocument.Parse(await cli.Ok("token", "list", "--operators", "--json")).RootElement;
        Assert.Equal("operator", Assert.Single(operators.EnumerateArray()).GetProperty("role").GetString());
        Assert.DoesNotContain(operatorToken, operators.ToString());

        // An admin without --secrets: the export stops at the secrets, exit 6, one line.
        var export = await cli.Run("mailbox", "export", "--include-secrets", "--output", work.File("out.json"), "--token", admin);
        Assert.Equal(6, export.ExitCode);
        Assert.Equal("techmail: role admin of tenant t1 may not export secrets (its token was created without --secrets)", export.Stderr.Trim());
        Assert.False(File.Exists(work.File("out.json")) && (await File.ReadAllTextAsync(work.File("out.json"))).Contains("pop-secret"));

        // The agent: incidents yes, mailboxes no, another tenant no.
        Assert.Equal(0, (await cli.Run("incident", "list", "--token", agentToken)).ExitCode);
        var mailboxes = await cli.Run("mailbox", "list", "--token", agentToken);
        Assert.Equal(6, mailboxes.ExitCode);
        Assert.Equal("techmail: role agent of tenant t1 may not read settings (mailboxes, rules, certificates, quarantine, outbox, bounces)", mailboxes.Stderr.Trim());
        var elsewhere = await cli.Run("incident", "list", "--tenant", "t2", "--token", agentToken);
        Assert.Equal(6, elsewhere.ExitCode);
        Assert.Equal("techmail: role agent of tenant t1 may not work in tenant t2", elsewhere.Stderr.Trim());

        // The token from a file, then revoked: refused from then on.
        await File.WriteAllTextAsync(work.File("alice.token"), agentToken + "\n");
        Assert.Equal(0, (await cli.Run("incident", "list", "--token-file", work.File("alice.token"))).ExitCode);
        Assert.Contains("revoked alice", await cli.Ok("token", "revoke", "alice"));
        var revoked = await cli.Run("incident", "list", "--token-file", work.File("alice.token"));
        Assert.Equal(6, revoked.ExitCode);
        Assert.StartsWith("techmail: token alice was revoked on ", revoked.Stderr.Trim());

        // No token at all (nothing given, no data/ where the client runs): what to pass, in one line.
        var bare = ProcessRunner.DotnetRun("Techmail.Client", ["mailbox", "list", "--gateway", silo.Gateway], workingDirectory: work.Path);
        bare.Environment.Remove("TECHMAIL_TOKEN");
        bare.Environment.Remove("TECHMAIL_TOKEN_FILE");
        var none = await ProcessRunner.Run(bare);
        Assert.Equal(6, none.ExitCode);
        Assert.StartsWith("techmail: no token: pass --token, TECHMAIL_TOKEN or --token-file", none.Stderr.Trim());
        Assert.Single(none.Stderr.Trim().Split('\n'));

        // Run beside data/ (the README's layout), the client finds the operator token by itself.
        Directory.CreateDirectory(work.File("data"));
        File.Copy(silo.OperatorTokenFile, work.File("data/operator-token"));
        var beside = ProcessRunner.DotnetRun("Techmail.Client", ["mailbox", "list", "--gateway", silo.Gateway, "--tenant", "t1"], workingDirectory: work.Path);
        beside.Environment.Remove("TECHMAIL_TOKEN");
        beside.Environment.Remove("TECHMAIL_TOKEN_FILE");
        var found = await ProcessRunner.Run(beside);
        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Contains("support", found.Stdout);

        // A restart keeps the file and its token.
        await silo.Stop();
        await using var again = await SiloProcess.Start(data.Path);
        Assert.Equal(operatorToken, (await File.ReadAllTextAsync(again.OperatorTokenFile)).Trim());
        Assert.Contains("support", await new Cli(again.Gateway, "t1").Ok("mailbox", "list"));
    }

    [Fact]
    public async Task A_gateway_on_a_network_address_without_tls_is_refused_at_start()
    {
        using var data = new TempDirectory("techmail-open-gateway");
        var start = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.Start(data.Path, extraArgs: ["--Techmail:GatewayAddress=0.0.0.0"]));
        Assert.Contains(
            "techmail-silo: invalid configuration: Techmail:GatewayAddress: 0.0.0.0 would open the gateway to the network without TLS",
            start.Message);
    }

    [Fact]
    public async Task The_silo_port_refuses_a_client_certificate_the_gateway_accepts()
    {
        using var files = new TempDirectory("techmail-access-tls");
        using var data = new TempDirectory("techmail-access-tls-silo");
        var certificates = TestCertificates.Create(files.Path);
        var siloPort = FreePort.Next();
        await using var silo = await SiloProcess.Start(data.Path, siloPort: siloPort, extraArgs: certificates.SiloArgs);

        // The same admin certificate: admitted at the gateway, refused at the silo port.
        Assert.True(await Handshake(silo.GatewayPort, certificates.Admin, certificates.Admin, certificates.Ca));
        Assert.False(await Handshake(siloPort, certificates.Admin, certificates.Admin, certificates.Ca));
        Assert.Contains("TLS peer refused on the silo port: CN=admin is not a silo's certificate", silo.Output);

        // A silo's certificate still gets in, so the refusal is the certificate's kind, not the port's.
        Assert.True(await Handshake(siloPort, certificates.SiloCertificate, certificates.SiloKey, certificates.Ca));
    }

    /// <returns>Whether the TLS handshake with the silo, presenting this certificate, completed and the silo kept the connection.</returns>
    private static async Task<bool> Handshake(int port, string certificateFile, string keyFile, string caFile)
    {
        using var certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        using var presented = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, server, _, _) => server is not null && server.Issuer == ca.Subject);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = [presented],
            });

            // With TLS 1.3 the server judges the client's certificate after the client thinks it is done: a refusal
            // shows as the connection closing (or an alert) on the first read.
            var buffer = new byte[1];
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                return await tls.ReadAsync(buffer, wait.Token) > 0;
            }
            catch (OperationCanceledException)
            {
                // Nothing to read yet and still open: the silo kept the connection.
                return true;
            }
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            return false;
        }
    }
}

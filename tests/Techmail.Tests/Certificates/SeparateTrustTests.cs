using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using MimeKit;
using Techmail.Certificates;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Security;
using Techmail.Tests.Support;

namespace Techmail.Tests.Certificates;

/// <summary>
/// S/MIME trust and server trust are separate, extendedKeyUsage is required when present, only self-signed CAs anchor,
/// and CRLs apply along the whole chain (issue 17, item 7). Servers are judged as the TLS handshake asks
/// (<see cref="CertificateCheck"/>, with the system store's verdict "chain errors"); signatures through intake's own
/// S/MIME reading over a keyring in SQLite.
/// </summary>
public sealed class SeparateTrustTests : IDisposable
{
    private static readonly TrustPki Pki = TrustPki.Instance;
    private readonly ScratchDatabases _databases = new();

    public void Dispose() => _databases.Dispose();

    [Fact]
    public void A_server_chaining_to_a_trusted_root_through_its_intermediate_is_accepted_with_or_without_extended_key_usage()
    {
        Assert.Null(ServerProblem(Pki.Server, TrustPki.Pem(Pki.Root, Pki.Intermediate)));
        Assert.Null(ServerProblem(Pki.ServerWithoutUsage, TrustPki.Pem(Pki.Root, Pki.Intermediate)));
        // The intermediate may also come from the server, as servers send it.
        Assert.Null(ServerProblem(Pki.Server, TrustPki.Pem(Pki.Root), presented: [Pki.Intermediate]));
    }

    [Fact]
    public void A_server_certificate_not_meant_for_servers_is_refused()
    {
        var problem = ServerProblem(Pki.ClientOnly, TrustPki.Pem(Pki.Root, Pki.Intermediate));

        Assert.Equal("CN=localhost is not meant for a mail server: its extendedKeyUsage lacks serverAuth", problem);
    }

    [Fact]
    public void An_intermediate_trusted_alone_does_not_anchor_a_server_chain()
    {
        var problem = ServerProblem(Pki.Server, TrustPki.Pem(Pki.Intermediate));

        Assert.NotNull(problem);
        Assert.StartsWith("untrusted certificate issued by 'CN=Trust Test Intermediate'", problem);
    }

    [Fact]
    public void A_revoked_intermediate_fails_the_server_chain()
    {
        var problem = ServerProblem(Pki.Server, TrustPki.Pem(Pki.Root, Pki.Intermediate), crls: [Pki.RootCrlRevokingIntermediate]);

        Assert.NotNull(problem);
        Assert.StartsWith("revoked: the chain's CA CN=Trust Test Intermediate: certificate 1001 was revoked by CN=Trust Test Root", problem);
    }

    [Fact]
    public async Task A_signer_chaining_to_a_server_tls_ca_is_untrusted_for_smime()
    {
        var keyring = await Keyring((Pki.Root, CertificateKind.ServerCa), (Pki.Intermediate, CertificateKind.ServerCa));

        var result = Judge(Pki.Signer, keyring);

        Assert.Equal(SignatureStatus.UntrustedChain, result.Signature);
        Assert.Equal("no S/MIME CA certificates are imported, so no chain can be trusted", result.Reason);

        // With some S/MIME CA imported (another PKI's), the server CAs still do not count.
        var mixed = await Keyring((TestPki.Instance.Ca, CertificateKind.SmimeCa), (Pki.Root, CertificateKind.ServerCa), (Pki.Intermediate, CertificateKind.ServerCa));
        var untrusted = Judge(Pki.Signer, mixed);
        Assert.Equal(SignatureStatus.UntrustedChain, untrusted.Signature);
        Assert.StartsWith("CN=Trust Test Intermediate is not a trusted CA", untrusted.Reason);
    }

    [Fact]
    public async Task A_signer_chaining_to_an_smime_ca_is_valid_and_one_not_meant_for_mail_is_not()
    {
        var keyring = await Keyring((Pki.Root, CertificateKind.SmimeCa), (Pki.Intermediate, CertificateKind.SmimeCa));

        Assert.Equal(SignatureStatus.Valid, Judge(Pki.Signer, keyring).Signature);
        var wrongUse = Judge(Pki.SignerForServers, keyring);
        Assert.Equal(SignatureStatus.UntrustedChain, wrongUse.Signature);
        Assert.Equal($"CN=Ann, E={TrustPki.SignerAddress} is not meant for signing mail: its extendedKeyUsage lacks emailProtection", wrongUse.Reason);
    }

    [Fact]
    public async Task An_intermediate_imported_alone_does_not_anchor_a_signer()
    {
        var keyring = await Keyring((Pki.Intermediate, CertificateKind.SmimeCa));

        var result = Judge(Pki.Signer, keyring);

        Assert.Equal(SignatureStatus.UntrustedChain, result.Signature);
        Assert.StartsWith("CN=Trust Test Intermediate is not a trusted CA", result.Reason);
    }

    [Fact]
    public async Task A_revoked_intermediate_fails_the_signers_chain()
    {
        var keyring = await Keyring([(Pki.Root, CertificateKind.SmimeCa), (Pki.Intermediate, CertificateKind.SmimeCa)], Pki.RootCrlRevokingIntermediate);

        var result = Judge(Pki.Signer, keyring);

        Assert.Equal(SignatureStatus.Revoked, result.Signature);
        Assert.StartsWith("the chain's CA CN=Trust Test Intermediate: certificate 1001 was revoked by CN=Trust Test Root", result.Reason);
    }

    /// <summary>What the mail server check says, as the TLS stack calls it once the system store found no trusted chain.</summary>
    private static string? ServerProblem(X509Certificate2 server, string caPem, X509Certificate2[]? presented = null, byte[][]? crls = null)
    {
        var check = new CertificateCheck(new ServerTrust(caPem, null, crls));
        using var chain = new X509Chain();
        chain.ChainPolicy.ExtraStore.AddRange(presented ?? []);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.Build(server);
        var accepted = check.Validate(new object(), server, chain, SslPolicyErrors.RemoteCertificateChainErrors);
        Assert.Equal(accepted, check.Problem is null);
        return check.Problem;
    }

    private static SmimeResult Judge(X509Certificate2 signer, SmimeKeyring keyring)
    {
        var signed = SmimeTestMail.Signed(SmimeTestMail.Plain(TrustPki.SignerAddress, "hi", "Hello."), signer);
        var reparsed = MimeMessage.Load(new MemoryStream(TestMail.ToBytes(signed)));
        return SmimeIntake.Open(reparsed, TrustPki.SignerAddress, keyring, null, DateTimeOffset.UtcNow).Result!;
    }

    private Task<SmimeKeyring> Keyring(params (X509Certificate2 Certificate, CertificateKind Kind)[] cas) => Keyring(cas, null);

    private async Task<SmimeKeyring> Keyring((X509Certificate2 Certificate, CertificateKind Kind)[] cas, byte[]? crl)
    {
        var store = new CertificateStore(await _databases.Sqlite(), new DataProtectionSecretProtector(new EphemeralDataProtectionProvider()));
        var now = DateTimeOffset.UtcNow;
        // A tenant per keyring: the scratch database is shared by every keyring of a test.
        var tenant = "t" + Guid.NewGuid().ToString("N")[..8];
        foreach (var (certificate, kind) in cas)
        {
            await store.Import(tenant, Assert.Single(CertificateFile.Read(certificate.RawData, null, kind, store.Seal, now).Certificates));
        }

        if (crl is not null)
        {
            await store.SaveCrl(tenant, CertificateFile.Read(crl, null, null, store.Seal, now).Crl!, now);
        }

        return await SmimeKeyring.Load(store, tenant);
    }
}

using Microsoft.AspNetCore.DataProtection;
using Techmail.Certificates;
using Techmail.Mailboxes;
using Techmail.Security;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Certificates;

/// <summary>
/// A database from before S/MIME and server CAs were told apart: its CAs (kind <c>Ca</c>) were imported for S/MIME and
/// stay S/MIME CAs; they stop vouching for mail servers.
/// </summary>
public sealed class TrustUpgradeTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    public void Dispose() => _databases.Dispose();

    [Fact]
    public Task Sqlite_keeps_old_cas_as_smime_cas_only() => Scenario(_databases.EmptySqlite(), "BLOB", "TEXT");

    [Fact]
    public async Task Postgres_keeps_old_cas_as_smime_cas_only() =>
        await Scenario(new TechmailDatabase(StorageKind.PostgreSql, await (await PostgresServer.Instance).CreateDatabase()), "BYTEA", "TIMESTAMPTZ");

    private static async Task Scenario(TechmailDatabase database, string blob, string time)
    {
        var ca = TestPki.Instance.Ca;
        await using (var connection = await database.OpenAsync())
        {
            await using var create = TechmailDatabase.Command(
                connection,
                $"""
                CREATE TABLE techmail_certificates (tenant TEXT NOT NULL, thumbprint TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
                    issuer TEXT NOT NULL, not_before {time} NOT NULL, not_after {time} NOT NULL, addresses TEXT NOT NULL, der {blob} NOT NULL,
                    sealed_key TEXT NULL, source TEXT NOT NULL, created_utc {time} NOT NULL, PRIMARY KEY (tenant, thumbprint));
                INSERT INTO techmail_certificates VALUES ('acme', @thumbprint, 'Ca', @subject, @subject, @from, @until, '', @der, NULL, 'Import', @from);
                """,
                ("@thumbprint", ca.Thumbprint),
                ("@subject", ca.Subject),
                ("@from", ca.NotBefore.ToUniversalTime()),
                ("@until", ca.NotAfter.ToUniversalTime()),
                ("@der", ca.RawData));
            await create.ExecuteNonQueryAsync();
        }

        await SchemaInstaller.Apply(database);
        // A second start finds nothing left to upgrade.
        await SchemaInstaller.Apply(database);

        var store = new CertificateStore(database, new DataProtectionSecretProtector(new EphemeralDataProtectionProvider()));
        Assert.Equal(CertificateKind.SmimeCa, Assert.Single(await store.List("acme")).Kind);
        var keyring = await SmimeKeyring.Load(store, "acme");
        Assert.Single(keyring.OfKind(CertificateKind.SmimeCa));

        // The mailboxes' servers are not told to trust it.
        var incoming = new IncomingSettings(MailProtocol.Imap, "imap.example.com", null, TlsMode.SslOnConnect, "a", "p", []);
        var applied = await new TenantServerTrust(store, TimeProvider.System).Apply("acme", MailboxSettings.Empty(MailboxType.Service) with { Incoming = incoming });
        Assert.Null(applied.Incoming!.Trust);
    }
}

using System.Data.Common;
using Techmail.Security;
using Techmail.Storage;

namespace Techmail.Certificates;

/// <summary>
/// A tenant's certificates and CRLs in <c>techmail_certificates</c> and <c>techmail_crls</c>. Private keys are sealed
/// before they are written and unsealed only by <see cref="PrivateKey"/>, so nothing else ever holds one in the clear.
/// </summary>
public sealed class CertificateStore(TechmailDatabase database, ISecretProtector protector)
{
    private const string Columns = "thumbprint, kind, subject, issuer, not_before, not_after, addresses, der, sealed_key, source, created_utc";

    /// <summary>Seals a PKCS#8 key for <see cref="StoredCertificate.SealedKey"/>.</summary>
    public string Seal(byte[] pkcs8) => protector.Protect(Convert.ToBase64String(pkcs8));

    public byte[]? PrivateKey(StoredCertificate certificate) =>
        certificate.SealedKey is { } sealedKey ? Convert.FromBase64String(protector.Unprotect(sealedKey)) : null;

    /// <summary>Stores an imported certificate; importing it again replaces kind and key (the admin said so).</summary>
    public Task Import(string tenant, StoredCertificate certificate) => Insert(tenant, certificate, replace: true);

    /// <summary>Stores a harvested certificate unless the thumbprint is known: a harvest never overrides an admin's import.</summary>
    public Task Harvest(string tenant, StoredCertificate certificate) => Insert(tenant, certificate, replace: false);

    private async Task Insert(string tenant, StoredCertificate c, bool replace)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"""
            INSERT INTO techmail_certificates (tenant, {Columns})
            VALUES (@tenant, @thumbprint, @kind, @subject, @issuer, @notBefore, @notAfter, @addresses, @der, @key, @source, @created)
            ON CONFLICT (tenant, thumbprint) DO {(replace ? "UPDATE SET kind = excluded.kind, sealed_key = excluded.sealed_key, source = excluded.source" : "NOTHING")}
            """,
            ("@tenant", tenant),
            ("@thumbprint", c.Thumbprint),
            ("@kind", c.Kind.ToString()),
            ("@subject", c.Subject),
            ("@issuer", c.Issuer),
            ("@notBefore", c.NotBefore.UtcDateTime),
            ("@notAfter", c.NotAfter.UtcDateTime),
            ("@addresses", string.Join('\n', c.Addresses)),
            ("@der", c.Der),
            ("@key", c.SealedKey),
            ("@source", c.Source.ToString()),
            ("@created", c.Created.UtcDateTime));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<StoredCertificate>> List(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {Columns} FROM techmail_certificates WHERE tenant = @tenant ORDER BY kind, subject, thumbprint",
            ("@tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<StoredCertificate>();
        while (await reader.ReadAsync())
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async Task<StoredCertificate?> Get(string tenant, string thumbprint)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {Columns} FROM techmail_certificates WHERE tenant = @tenant AND thumbprint = @thumbprint",
            ("@tenant", tenant),
            ("@thumbprint", thumbprint));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    public async Task SaveCrl(string tenant, StoredCrl crl, DateTimeOffset now)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_crls (tenant, thumbprint, issuer, this_update, next_update, revoked, der, created_utc)
            VALUES (@tenant, @thumbprint, @issuer, @thisUpdate, @nextUpdate, @revoked, @der, @created)
            ON CONFLICT (tenant, thumbprint) DO NOTHING
            """,
            ("@tenant", tenant),
            ("@thumbprint", crl.Thumbprint),
            ("@issuer", crl.Issuer),
            ("@thisUpdate", crl.ThisUpdate.UtcDateTime),
            ("@nextUpdate", crl.NextUpdate?.UtcDateTime),
            ("@revoked", crl.Revoked),
            ("@der", crl.Der),
            ("@created", now.UtcDateTime));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<StoredCrl>> Crls(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT thumbprint, issuer, this_update, next_update, revoked, der FROM techmail_crls WHERE tenant = @tenant ORDER BY issuer, this_update",
            ("@tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<StoredCrl>();
        while (await reader.ReadAsync())
        {
            list.Add(new StoredCrl(reader.GetString(0), reader.GetString(1), reader.Utc(2), reader.UtcOrNull(3), Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture), (byte[])reader.GetValue(5)));
        }

        return list;
    }

    /// <summary>Removes a certificate or a CRL with this thumbprint; false when there is neither.</summary>
    public async Task<bool> Remove(string tenant, string thumbprint)
    {
        await using var connection = await database.OpenAsync();
        var removed = 0;
        foreach (var table in new[] { "techmail_certificates", "techmail_crls" })
        {
            await using var command = TechmailDatabase.Command(
                connection,
                $"DELETE FROM {table} WHERE tenant = @tenant AND thumbprint = @thumbprint",
                ("@tenant", tenant),
                ("@thumbprint", thumbprint));
            removed += await command.ExecuteNonQueryAsync();
        }

        return removed > 0;
    }

    private static StoredCertificate Read(DbDataReader r) => new(
        r.GetString(0),
        Enum.Parse<CertificateKind>(r.GetString(1)),
        r.GetString(2),
        r.GetString(3),
        r.Utc(4),
        r.Utc(5),
        r.GetString(6).Split('\n', StringSplitOptions.RemoveEmptyEntries),
        (byte[])r.GetValue(7),
        r.StringOrNull(8),
        Enum.Parse<CertificateSource>(r.GetString(9)),
        r.Utc(10));
}

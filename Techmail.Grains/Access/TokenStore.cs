using System.Data.Common;
using System.Security.Cryptography;
using Techmail.Storage;

namespace Techmail.Access;

/// <summary>techmail_tokens and techmail_engine_key on SQLite or PostgreSQL. An operator's token has tenant ''.</summary>
public sealed class TokenStore(TechmailDatabase database)
{
    private const string Columns = "id, hash, tenant, name, role, read_secrets, created_utc, expires_utc, revoked_utc, created_by";

    /// <exception cref="TokenException">The tenant already has a live token of that name.</exception>
    public async Task Insert(StoredToken token)
    {
        var info = token.Info;
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"INSERT INTO techmail_tokens ({Columns}) VALUES (@id, @hash, @tenant, @name, @role, @secrets, @created, @expires, NULL, @by)",
            ("@id", token.Id),
            ("@hash", token.Hash),
            ("@tenant", info.Tenant ?? ""),
            ("@name", info.Name),
            ("@role", info.Role.ToString()),
            ("@secrets", info.ReadSecrets ? 1 : 0),
            ("@created", info.Created.UtcDateTime),
            ("@expires", info.Expires?.UtcDateTime),
            ("@by", info.CreatedBy));
        try
        {
            await command.ExecuteNonQueryAsync();
        }
        catch (DbException e) when (DbErrors.IsUniqueViolation(e))
        {
            throw new TokenException($"a token named '{info.Name}' already exists{(info.Tenant is null ? "" : $" in tenant {info.Tenant}")}; revoke it first or choose another name.");
        }
    }

    public async Task<StoredToken?> Find(string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, $"SELECT {Columns} FROM techmail_tokens WHERE id = @id", ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    /// <summary>A tenant's tokens (null: the operators'), newest first.</summary>
    public async Task<IReadOnlyList<TokenInfo>> List(string? tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            $"SELECT {Columns} FROM techmail_tokens WHERE tenant = @tenant ORDER BY created_utc DESC, name",
            ("@tenant", tenant ?? ""));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<TokenInfo>();
        while (await reader.ReadAsync())
        {
            rows.Add(Read(reader).Info);
        }

        return rows;
    }

    /// <returns>The ids of the tokens revoked (none when the tenant has no live token of that name).</returns>
    public async Task<IReadOnlyList<string>> Revoke(string? tenant, string name, DateTimeOffset now)
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "UPDATE techmail_tokens SET revoked_utc = @now WHERE tenant = @tenant AND name = @name AND revoked_utc IS NULL RETURNING id",
            ("@now", now.UtcDateTime),
            ("@tenant", tenant ?? ""),
            ("@name", name));
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The cluster's engine key, made by the first silo that asks; every silo reads the same one.</summary>
    public async Task<byte[]> EngineKey()
    {
        await using var turn = await database.WriterTurn();
        await using var connection = await turn.OpenAsync();
        await using (var insert = TechmailDatabase.Command(
            connection,
            "INSERT INTO techmail_engine_key (id, secret) VALUES (1, @secret) ON CONFLICT (id) DO NOTHING",
            ("@secret", RandomNumberGenerator.GetBytes(32))))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = TechmailDatabase.Command(connection, "SELECT secret FROM techmail_engine_key WHERE id = 1");
        return (byte[])(await select.ExecuteScalarAsync())!;
    }

    private static StoredToken Read(DbDataReader reader)
    {
        var tenant = reader.GetString(2);
        return new StoredToken(
            reader.GetString(0),
            (byte[])reader.GetValue(1),
            new TokenInfo(
                reader.GetString(3),
                tenant.Length == 0 ? null : tenant,
                Enum.Parse<Role>(reader.GetString(4)),
                Convert.ToInt32(reader.GetValue(5)) != 0,
                reader.Utc(6),
                reader.UtcOrNull(7),
                reader.UtcOrNull(8),
                reader.GetString(9)));
    }
}

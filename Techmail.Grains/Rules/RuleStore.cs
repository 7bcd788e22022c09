using System.Globalization;
using Techmail.Storage;

namespace Techmail.Rules;

/// <summary>Each tenant's rules document in <c>techmail_rules</c>. The rules grain of the tenant is its only writer.</summary>
public sealed class RuleStore(TechmailDatabase database)
{
    /// <summary>The stored document, or null when the tenant never imported rules.</summary>
    public async Task<RuleSetDocument?> Get(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT version, document FROM techmail_rules WHERE tenant = @tenant",
            ("@tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new RuleSetDocument(reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>Replaces the tenant's document in one statement.</summary>
    /// <returns>The new version: 1 for the first document, one more than the last otherwise.</returns>
    public async Task<long> Save(string tenant, string document, DateTimeOffset updated)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_rules (tenant, document, version, updated_utc)
            VALUES (@tenant, @document, 1, @updated)
            ON CONFLICT (tenant) DO UPDATE SET document = excluded.document, version = techmail_rules.version + 1,
                updated_utc = excluded.updated_utc
            RETURNING version
            """,
            ("@tenant", tenant),
            ("@document", document),
            ("@updated", updated.UtcDateTime));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}

using System.Data.Common;
using Techmail.Security;
using Techmail.Storage;

namespace Techmail.Connections;

/// <summary>A mailbox's grant with its tokens in the clear: what <see cref="MailboxGrantStore"/> loads and saves.</summary>
/// <param name="AccessIssued">When the access token was issued, so "a tenth of its life" can be measured.</param>
public sealed record MailboxGrant(
    string? RefreshToken,
    string? AccessToken,
    DateTimeOffset? AccessExpires,
    DateTimeOffset? AccessIssued,
    string? Account,
    string? Scopes,
    DateTimeOffset ConnectedAt,
    DateTimeOffset? LastRefresh,
    DateTimeOffset? NeedsReconnectingSince,
    string? Problem)
{
    public GrantStatus Status => new(Account, Scopes, ConnectedAt, AccessExpires, LastRefresh, NeedsReconnectingSince, Problem);
}

/// <summary>
/// <c>techmail_mailbox_grants</c>: one row per connected mailbox, tokens sealed with the key ring like passwords. Only the
/// mailbox's <see cref="MailboxGrantGrain"/> writes its row; the metrics read how many need reconnecting.
/// </summary>
public sealed class MailboxGrantStore(TechmailDatabase database, ISecretProtector protector)
{
    public async Task<MailboxGrant?> Load(string tenant, string mailbox, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            """
            SELECT refresh_token, access_token, access_expires_unix, access_issued_unix, account, scopes, connected_unix,
                   refreshed_unix, needs_reconnecting_unix, problem
            FROM techmail_mailbox_grants WHERE tenant = @tenant AND mailbox = @mailbox
            """,
            ("@tenant", tenant),
            ("@mailbox", mailbox));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new MailboxGrant(
            Unseal(reader, 0),
            Unseal(reader, 1),
            Time(reader, 2),
            Time(reader, 3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            Time(reader, 6)!.Value,
            Time(reader, 7),
            Time(reader, 8),
            reader.IsDBNull(9) ? null : reader.GetString(9));
    }

    /// <summary>Writes the whole row in one statement, so a kill leaves either the old grant or the new one.</summary>
    public async Task Save(string tenant, string mailbox, MailboxGrant grant, CancellationToken cancellationToken = default)
    {
        await using var turn = await database.WriterTurn(cancellationToken);
        await using var connection = await turn.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            """
            INSERT INTO techmail_mailbox_grants
                (tenant, mailbox, refresh_token, access_token, access_expires_unix, access_issued_unix, account, scopes,
                 connected_unix, refreshed_unix, needs_reconnecting_unix, problem)
            VALUES (@tenant, @mailbox, @refresh, @access, @expires, @issued, @account, @scopes, @connected, @refreshed, @needs, @problem)
            ON CONFLICT (tenant, mailbox) DO UPDATE SET
                refresh_token = excluded.refresh_token, access_token = excluded.access_token,
                access_expires_unix = excluded.access_expires_unix, access_issued_unix = excluded.access_issued_unix,
                account = excluded.account, scopes = excluded.scopes, connected_unix = excluded.connected_unix,
                refreshed_unix = excluded.refreshed_unix, needs_reconnecting_unix = excluded.needs_reconnecting_unix,
                problem = excluded.problem
            """,
            ("@tenant", tenant),
            ("@mailbox", mailbox),
            ("@refresh", Seal(grant.RefreshToken)),
            ("@access", Seal(grant.AccessToken)),
            ("@expires", grant.AccessExpires?.ToUnixTimeSeconds()),
            ("@issued", grant.AccessIssued?.ToUnixTimeSeconds()),
            ("@account", grant.Account),
            ("@scopes", grant.Scopes),
            ("@connected", grant.ConnectedAt.ToUnixTimeSeconds()),
            ("@refreshed", grant.LastRefresh?.ToUnixTimeSeconds()),
            ("@needs", grant.NeedsReconnectingSince?.ToUnixTimeSeconds()),
            ("@problem", grant.Problem));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task Delete(string tenant, string mailbox, CancellationToken cancellationToken = default)
    {
        await using var turn = await database.WriterTurn(cancellationToken);
        await using var connection = await turn.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            "DELETE FROM techmail_mailbox_grants WHERE tenant = @tenant AND mailbox = @mailbox",
            ("@tenant", tenant),
            ("@mailbox", mailbox));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Mailboxes of the whole cluster whose grant the provider refused, for the metric.</summary>
    public async Task<long> CountNeedingReconnect(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT COUNT(*) FROM techmail_mailbox_grants WHERE needs_reconnecting_unix IS NOT NULL");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    private string? Seal(string? token) => token is null ? null : protector.Protect(token);

    private string? Unseal(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : protector.Unprotect(reader.GetString(ordinal));

    private static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(reader.GetValue(ordinal)));
}

using Techmail.Storage;

namespace Techmail.Polling;

/// <summary>Which mailboxes are in push mode (<c>techmail_push_mailboxes</c>), so a starting silo can wake them.</summary>
public sealed class PushMailboxStore(TechmailDatabase database)
{
    public async Task Set(string tenant, string mailbox, bool push)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            push
                ? "INSERT INTO techmail_push_mailboxes (tenant, mailbox) VALUES (@tenant, @mailbox) ON CONFLICT (tenant, mailbox) DO NOTHING"
                : "DELETE FROM techmail_push_mailboxes WHERE tenant = @tenant AND mailbox = @mailbox",
            ("@tenant", tenant),
            ("@mailbox", mailbox));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<(string Tenant, string Mailbox)>> All(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = TechmailDatabase.Command(connection, "SELECT tenant, mailbox FROM techmail_push_mailboxes");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }
}

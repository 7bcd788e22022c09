using System.Text;
using System.Text.Json;
using Techmail.Storage;

namespace Techmail.Outgoing;

/// <summary>Mail a tenant sent, found by Message-ID in its outbox: what a bounce or complaint must be tied to.</summary>
public sealed class SentMailLookup(TechmailDatabase database)
{
    // Far below either database's parameter limit, and more ids than any one batch of reports names.
    private const int IdsPerQuery = 500;

    /// <param name="messageIds">Normalised ids (<see cref="SentMessageIds.Normalize"/>).</param>
    public async Task<IReadOnlyList<SentMail>> Find(string tenant, IReadOnlyCollection<string> messageIds)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var found = new List<SentMail>();
        if (messageIds.Count == 0) return found;

        await using var connection = await database.OpenAsync();
        foreach (var chunk in messageIds.Distinct(StringComparer.Ordinal).Chunk(IdsPerQuery))
        {
            var sql = new StringBuilder("SELECT message_id, mailbox, recipients FROM techmail_outbox WHERE tenant = @tenant AND message_id IN (");
            var parameters = new List<(string, object?)> { ("@tenant", tenant) };
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "@id0" : $", @id{i}");
                parameters.Add(($"@id{i}", chunk[i]));
            }

            sql.Append(')');
            await using var command = TechmailDatabase.Command(connection, sql.ToString(), [.. parameters]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var recipients = JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [];
                found.Add(new SentMail(reader.GetString(0), reader.GetString(1), recipients));
            }
        }

        return found;
    }
}

/// <summary>One mail in a tenant's outbox: its normalised Message-ID, the mailbox that sent it, and to whom.</summary>
public sealed record SentMail(string MessageId, string Mailbox, IReadOnlyList<string> Recipients);

using System.Data.Common;
using Techmail.Quarantine;
using Techmail.Storage;

namespace Techmail.Intake;

/// <summary>
/// The intake backlog as the database holds it: recorded mail by state, the oldest still waiting, and the newest
/// failure, either of a waiting mail's build or of a mail set aside. Bounces are recorded together with their bounce
/// rows, so a recorded bounce is a built one.
/// </summary>
public sealed class IntakeBacklogReader(TechmailDatabase database)
{
    private const string Waiting = "kind = 'incident' AND state IN ('pending', 'released')";

    /// <param name="tenant">With <paramref name="mailbox"/>, one mailbox; both null, every tenant's mailboxes.</param>
    public async Task<IntakeBacklog> Read(string? tenant, string? mailbox)
    {
        var where = tenant is null ? "1 = 1" : "tenant = @tenant AND mailbox = @mailbox";
        (string, object?)[] parameters = [("@tenant", tenant), ("@mailbox", mailbox)];
        if (tenant is null)
        {
            parameters = [];
        }

        await using var connection = await database.OpenAsync();
        long recorded = 0, built = 0, waiting = 0, failing = 0, setAside = 0, duplicates = 0;
        await using (var counts = TechmailDatabase.Command(
            connection,
            $"""
            SELECT CASE WHEN kind = 'bounce' THEN 'done' ELSE state END, CASE WHEN failure IS NULL THEN 0 ELSE 1 END, COUNT(*)
            FROM techmail_inbound WHERE {where}
            GROUP BY CASE WHEN kind = 'bounce' THEN 'done' ELSE state END, CASE WHEN failure IS NULL THEN 0 ELSE 1 END
            """,
            parameters))
        await using (var reader = await counts.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (state, failed, count) = (reader.GetString(0), reader.GetInt64(1) == 1, reader.GetInt64(2));
                recorded += count;
                switch (state)
                {
                    case "done":
                        built += count;
                        break;
                    case "pending" or "released":
                        waiting += count;
                        failing += failed ? count : 0;
                        break;
                    case "duplicate":
                        duplicates += count;
                        break;
                    default:
                        setAside += count;
                        break;
                }
            }
        }

        DateTimeOffset? oldest = null;
        string? oldestMailbox = null;
        await using (var command = TechmailDatabase.Command(
            connection,
            $"SELECT tenant, mailbox, received_utc FROM techmail_inbound WHERE {where} AND {Waiting} ORDER BY received_utc LIMIT 1",
            parameters))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync())
            {
                (oldestMailbox, oldest) = ($"{reader.GetString(0)}/{reader.GetString(1)}", reader.Utc(2));
            }
        }

        var failure = await Newest(
            connection,
            $"SELECT failure, failure_stage, failure_utc FROM techmail_inbound WHERE {where} AND {Waiting} AND failure IS NOT NULL ORDER BY failure_utc DESC LIMIT 1",
            parameters);
        var aside = await Newest(
            connection,
            $"SELECT reason, stage, created_utc FROM techmail_quarantine WHERE {where} AND state = 'Held' ORDER BY created_utc DESC LIMIT 1",
            parameters);
        var last = failure is null ? aside : aside is null || failure.At >= aside.At ? failure : aside;
        return new IntakeBacklog(recorded, built, waiting, failing, setAside, duplicates, oldest, oldestMailbox, last);
    }

    /// <summary>
    /// Only the cluster's waiting mail and when the oldest was recorded: what the metrics sample every few seconds. It
    /// reads the waiting rows' own index, not the done rows that pile up until they are pruned.
    /// </summary>
    public async Task<(long Waiting, DateTimeOffset? Oldest)> ClusterWaiting()
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT COUNT(*), MIN(received_utc) FROM techmail_inbound WHERE state IN ('pending', 'released') AND kind = 'incident'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.UtcOrNull(1));
    }

    private static async Task<IntakeError?> Newest(DbConnection connection, string sql, (string, object?)[] parameters)
    {
        await using var command = TechmailDatabase.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new IntakeError(reader.GetString(0), MailStages.Parse(reader.GetString(1)), reader.Utc(2)) : null;
    }
}

using Techmail.Storage;

namespace Techmail.Silo.Http;

/// <summary>One readiness check's finding; <paramref name="Problem"/> is null when it passed.</summary>
public sealed record ReadinessFinding(string Check, bool Ok, string? Problem);

/// <summary>What /readyz answers: ready only when every check passed.</summary>
public sealed record Readiness(bool Ready, IReadOnlyList<ReadinessFinding> Checks);

/// <summary>
/// Whether this silo can do its work now: the database answers, the silo is active in the cluster's membership, and
/// the database has the schema this silo expects. Asked on every request (a load balancer or Kubernetes asks every few
/// seconds), so a database that goes away shows within one probe, each check bounded by a short timeout.
/// </summary>
public sealed class ReadinessCheck(TechmailDatabase database, IClusterMembershipService membership, ILocalSiloDetails silo)
{
    internal static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    public async Task<Readiness> Check(CancellationToken cancellationToken)
    {
        var findings = new List<ReadinessFinding>(3);
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        findings.Add(status == SiloStatus.Active
            ? new ReadinessFinding("silo", true, null)
            : new ReadinessFinding("silo", false, $"this silo is {status} in the cluster, not Active"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DatabaseTimeout);
        try
        {
            await using var connection = await database.OpenAsync(timeout.Token);
            await using (var ping = TechmailDatabase.Command(connection, "SELECT 1"))
            {
                await ping.ExecuteScalarAsync(timeout.Token);
            }

            findings.Add(new ReadinessFinding("database", true, null));
            var pending = await SchemaInstaller.PendingUpgrades(connection, database.Kind, timeout.Token);
            findings.Add(pending.Count == 0
                ? new ReadinessFinding("schema", true, null)
                : new ReadinessFinding("schema", false, $"the database lacks upgrades {string.Join(", ", pending)}; restart the silo or run techmail db init"));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var why = e is OperationCanceledException ? $"no answer within {DatabaseTimeout.TotalSeconds:0} s" : Faults.Faults.Summary(e);
            findings.Add(new ReadinessFinding("database", false, $"the {database.Kind} database does not answer: {why}"));
            findings.Add(new ReadinessFinding("schema", false, "unknown while the database does not answer"));
        }

        return new Readiness(findings.All(f => f.Ok), findings);
    }
}

using System.Data.Common;
using System.Globalization;
using System.Reflection;

namespace Techmail.Storage;

/// <summary>
/// Applies the project's own SQL scripts (db/sqlite or db/postgresql, embedded in this assembly) in name order.
/// Every script is written to be re-run safely, so this runs at every silo start. Then the upgrades (the folder
/// upgrades/ beside the scripts) change what an earlier version created and CREATE ... IF NOT EXISTS leaves as it is:
/// each one's first line, <c>-- when: SELECT COUNT(*) ...</c>, finds the old shape, and it runs only then, in a
/// transaction of its own.
/// </summary>
public static class SchemaInstaller
{
    // Any fixed number works; it only has to be the same for every silo of the cluster.
    private const long PostgresLockKey = 0x7465636D61696CL;

    private const string WhenPrefix = "-- when: ";

    public static IReadOnlyList<string> Scripts(StorageKind kind) => Resources(Folder(kind));

    public static IReadOnlyList<string> Upgrades(StorageKind kind) => Resources(Folder(kind) + "upgrades/");

    private static string Folder(StorageKind kind) => kind == StorageKind.Sqlite ? "db/sqlite/" : "db/postgresql/";

    private static List<string> Resources(string folder) =>
        typeof(SchemaInstaller).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(folder, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal) && n.IndexOf('/', folder.Length) < 0)
            .Order(StringComparer.Ordinal)
            .ToList();

    public static async Task<int> Apply(TechmailDatabase database, CancellationToken cancellationToken = default)
    {
        var scripts = Scripts(database.Kind);
        if (scripts.Count == 0)
        {
            throw new InvalidOperationException($"No schema scripts for {database.Kind} are embedded in {typeof(SchemaInstaller).Assembly.GetName().Name}.");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Kind == StorageKind.PostgreSql)
        {
            // Silos of a cluster start together; the lock makes them apply the scripts one after another.
            await using var lockCommand = TechmailDatabase.Command(connection, "SELECT pg_advisory_lock(@key)", ("@key", PostgresLockKey));
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            foreach (var name in scripts)
            {
                await using var command = TechmailDatabase.Command(connection, Read(name));
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var name in Upgrades(database.Kind))
            {
                await Upgrade(connection, name, cancellationToken);
            }
        }
        finally
        {
            if (database.Kind == StorageKind.PostgreSql)
            {
                await using var unlock = TechmailDatabase.Command(connection, "SELECT pg_advisory_unlock(@key)", ("@key", PostgresLockKey));
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        return scripts.Count;
    }

    /// <summary>
    /// The upgrades whose old shape the database still has, by their probes alone (nothing is changed): empty when the
    /// schema is what this silo expects. A database restored from an old backup under a running silo shows here.
    /// </summary>
    public static async Task<IReadOnlyList<string>> PendingUpgrades(DbConnection connection, StorageKind kind, CancellationToken cancellationToken = default)
    {
        var pending = new List<string>();
        foreach (var name in Upgrades(kind))
        {
            await using var probe = TechmailDatabase.Command(connection, Probe(name, Read(name)));
            try
            {
                if (Convert.ToInt64(await probe.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) != 0)
                {
                    pending.Add(Path.GetFileName(name));
                }
            }
            catch (DbException)
            {
                // A probe that cannot even run reads a table the create scripts have not made yet: the schema is older
                // than the upgrade, which is due. (Apply runs the create scripts first, so its probes always run.)
                pending.Add(Path.GetFileName(name));
            }
        }

        return pending;
    }

    private static string Probe(string name, string script)
    {
        var lineEnd = script.IndexOf('\n');
        var firstLine = (lineEnd < 0 ? script : script[..lineEnd]).TrimEnd('\r');
        if (!firstLine.StartsWith(WhenPrefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Upgrade {name} does not start with a '{WhenPrefix}SELECT COUNT(*) ...' line.");
        }

        return firstLine[WhenPrefix.Length..];
    }

    private static async Task Upgrade(DbConnection connection, string name, CancellationToken cancellationToken)
    {
        var script = Read(name);
        var probeSql = Probe(name, script);

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var probe = TechmailDatabase.Command(connection, probeSql))
        {
            probe.Transaction = transaction;
            if (Convert.ToInt64(await probe.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
            {
                return;
            }
        }

        await using (var command = TechmailDatabase.Command(connection, script))
        {
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static string Read(string resource)
    {
        using var stream = typeof(SchemaInstaller).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

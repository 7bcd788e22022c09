using System.Reflection;

namespace Techmail.Storage;

/// <summary>
/// Applies the project's own SQL scripts (db/sqlite or db/postgresql, embedded in this assembly) in name order.
/// Every script is written to be re-run safely, so this runs at every silo start.
/// </summary>
public static class SchemaInstaller
{
    // Any fixed number works; it only has to be the same for every silo of the cluster.
    private const long PostgresLockKey = 0x7465636D61696CL;

    public static IReadOnlyList<string> Scripts(StorageKind kind)
    {
        var prefix = kind == StorageKind.Sqlite ? "db/sqlite/" : "db/postgresql/";
        return typeof(SchemaInstaller).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

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

    private static string Read(string resource)
    {
        using var stream = typeof(SchemaInstaller).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

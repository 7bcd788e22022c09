namespace Techmail.Storage;

public enum StorageKind
{
    /// <summary>One silo, one SQLite file in the data directory: the embedded default.</summary>
    Sqlite,
    /// <summary>Any number of silos sharing one PostgreSQL database.</summary>
    PostgreSql,
}
